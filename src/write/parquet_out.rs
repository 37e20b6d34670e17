//! Parquet files whose enum columns keep their whole vocabulary.
//!
//! `ArrowWriter` re-interns a dictionary column: the file's dictionary page holds only
//! the values present, in order of first appearance. Readers (pyarrow, pandas, polars,
//! R, DuckDB) take their categories from that page, so levels would differ between
//! versions, unused values would vanish and ordinal values could not be sorted.
//! [`encode`] writes like `ArrowWriter` (same Parquet schema, `ARROW:schema`, key-value
//! metadata, compression, row groups, and the very same column writers for ordinary
//! columns) except that each `Dictionary(Int32, Utf8)` column chunk is written here:
//! one PLAIN dictionary page with every value of the array's dictionary, in order,
//! and RLE_DICTIONARY data pages whose indices are the array's keys, unchanged.
//!
//! Those chunks carry what readers use: chunk statistics (min, max and null count of
//! the values present, untruncated), a column index and an offset index. They leave out
//! what is optional and unused here: bloom filters and size statistics (level
//! histograms, unencoded byte counts). Their data pages are format v1 (the default
//! writer version), cut every `data_page_row_count_limit` rows, compressed with ZSTD or
//! not at all (the codecs this crate is built with); row groups are cut by
//! `max_row_group_row_count` only.
//!
//! [`Encoder`] takes the rows batch by batch, as `ArrowWriter` does, so a table is
//! written as its documents finish: only the open row group's encoded pages are held.

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, SchemaRef};
use bytes::Bytes;
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnWriter, ArrowRowGroupWriterFactory};
use parquet::arrow::{add_encoded_arrow_schema_to_metadata, ArrowSchemaConverter};
use parquet::basic::{BoundaryOrder, Compression, Encoding, EncodingMask, PageType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::ParquetError;
use parquet::file::metadata::{
    ColumnChunkMetaData, ColumnIndexBuilder, OffsetIndexBuilder, PageEncodingStats,
};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::file::writer::{SerializedFileWriter, SerializedPageWriter, TrackedWrite};
use parquet::schema::types::{ColumnDescPtr, SchemaDescriptor};
use std::io::Write;
use std::sync::Arc;

type Result<T> = std::result::Result<T, ParquetError>;

/// Encodes `batch` as one Parquet file, as `ArrowWriter::try_new(.., batch.schema(),
/// Some(props))` would, except that top-level `Dictionary(Int32, Utf8)` columns keep
/// their dictionary as it is (see the module documentation). Same input, same bytes.
#[cfg(test)]
pub fn encode(batch: &RecordBatch, props: WriterProperties) -> Result<Vec<u8>> {
    let mut file = Encoder::new(Vec::new(), batch.schema(), props)?;
    file.append(batch)?;
    file.finish()
}

/// A Parquet file written batch by batch, as `ArrowWriter` writes one: rows go into the
/// open row group, which is closed every `max_row_group_row_count` rows, so only that
/// group's encoded pages (and its vocabulary columns' keys) are held, never the table.
/// Every batch must have the schema the encoder was made with (flat: one leaf a field).
pub struct Encoder<W: Write + Send> {
    file: SerializedFileWriter<W>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    parquet_schema: Arc<SchemaDescriptor>,
    props: Arc<WriterProperties>,
    group_rows: usize,
    groups: usize,
    open: Option<Group>,
}

/// The row group being filled: each field's column writer, or, for a vocabulary
/// column, its keys so far and its dictionary (written whole when the group closes).
struct Group {
    rows: usize,
    columns: Vec<GroupColumn>,
}

enum GroupColumn {
    Ordinary(Box<ArrowColumnWriter>),
    Vocabulary(Vec<Int32Array>, Option<ArrayRef>),
}

impl<W: Write + Send> Encoder<W> {
    pub fn new(out: W, schema: SchemaRef, mut props: WriterProperties) -> Result<Self> {
        let parquet_schema = ArrowSchemaConverter::new()
            .with_coerce_types(props.coerce_types())
            .convert(&schema)?;
        add_encoded_arrow_schema_to_metadata(&schema, &mut props);
        let props = Arc::new(props);
        let file = SerializedFileWriter::new(out, parquet_schema.root_schema_ptr(), props.clone())?;
        let factory = ArrowRowGroupWriterFactory::new(&file, schema.clone());
        Ok(Encoder {
            group_rows: props.max_row_group_row_count().unwrap_or(usize::MAX).max(1),
            file,
            factory,
            schema,
            parquet_schema: Arc::new(parquet_schema),
            props,
            groups: 0,
            open: None,
        })
    }

    /// Adds the rows of `batch`, closing row groups as they fill.
    pub fn append(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut start = 0;
        while start < batch.num_rows() {
            if self.open.is_none() {
                self.open = Some(self.new_group()?);
            }
            let group = self.open.as_mut().expect("opened above");
            let n = (self.group_rows - group.rows).min(batch.num_rows() - start);
            let rows = batch.slice(start, n);
            let fields = self.schema.fields().iter().zip(rows.columns());
            for ((field, array), column) in fields.zip(&mut group.columns) {
                match column {
                    GroupColumn::Vocabulary(keys, values) => {
                        let Some(dict) = vocabulary_column(array.as_ref()) else {
                            return Err(ParquetError::General(format!(
                                "column {} is not a dictionary of strings",
                                field.name()
                            )));
                        };
                        if !field.is_nullable() && dict.null_count() > 0 {
                            return Err(ParquetError::General(format!(
                                "null in the non-nullable column {}",
                                field.name()
                            )));
                        }
                        // The dictionary page is the first batch's dictionary: every batch
                        // must index the same one.
                        match values {
                            Some(v) if v.as_ref() != dict.values().as_ref() => {
                                return Err(ParquetError::General(format!(
                                    "column {} changes its dictionary between batches",
                                    field.name()
                                )))
                            }
                            Some(_) => {}
                            None => *values = Some(dict.values().clone()),
                        }
                        keys.push(dict.keys().clone());
                    }
                    GroupColumn::Ordinary(writer) => {
                        for leaf in compute_leaves(field, array)? {
                            writer.write(&leaf)?;
                        }
                    }
                }
            }
            group.rows += n;
            start += n;
            if group.rows == self.group_rows {
                self.close_group()?;
            }
        }
        Ok(())
    }

    /// Closes the open row group, if any, and the file; returns what it was written to.
    pub fn finish(mut self) -> Result<W> {
        self.close_group()?;
        self.file.into_inner()
    }

    fn new_group(&mut self) -> Result<Group> {
        let writers = self.factory.create_column_writers(self.groups)?;
        if writers.len() != self.schema.fields().len() {
            return Err(ParquetError::General("a nested column".into()));
        }
        let columns = writers
            .into_iter()
            .zip(self.schema.fields())
            .map(|(writer, field)| match field.data_type() {
                // The ordinary writer of a vocabulary column is not used.
                DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => {
                    GroupColumn::Vocabulary(Vec::new(), None)
                }
                _ => GroupColumn::Ordinary(Box::new(writer)),
            })
            .collect();
        Ok(Group { rows: 0, columns })
    }

    fn close_group(&mut self) -> Result<()> {
        let Some(group) = self.open.take() else {
            return Ok(());
        };
        let mut row_group = self.file.next_row_group()?;
        for (leaf, column) in group.columns.into_iter().enumerate() {
            match column {
                GroupColumn::Vocabulary(keys, values) => {
                    let keys = match keys.as_slice() {
                        [one] => one.clone(),
                        _ => Int32Array::from_iter(keys.iter().flat_map(|k| k.iter())),
                    };
                    let values = values.expect("a group has rows");
                    let dict = DictionaryArray::<Int32Type>::try_new(keys, values)?;
                    let descr = self.parquet_schema.column(leaf);
                    let (chunk, close) = dictionary_chunk(descr, &self.props, &dict)?;
                    row_group.append_column(&chunk, close)?;
                }
                GroupColumn::Ordinary(writer) => {
                    writer.close()?.append_to_row_group(&mut row_group)?;
                }
            }
        }
        row_group.close()?;
        self.groups += 1;
        Ok(())
    }
}

/// The columns written here: string dictionaries with Int32 keys and no null values
/// (a null is a null key). Others go through the ordinary writer.
fn vocabulary_column(array: &dyn Array) -> Option<&DictionaryArray<Int32Type>> {
    let dict = array.as_dictionary_opt::<Int32Type>()?;
    (dict.values().as_string_opt::<i32>().is_some() && dict.values().null_count() == 0)
        .then_some(dict)
}

/// Encodes one column chunk: the serialized pages (dictionary page first) and what the
/// row group needs to know of them. Offsets are relative to the start of the chunk;
/// `SerializedRowGroupWriter::append_column` moves them to the chunk's place in the file.
fn dictionary_chunk(
    descr: ColumnDescPtr,
    props: &WriterProperties,
    dict: &DictionaryArray<Int32Type>,
) -> Result<(Bytes, ColumnCloseResult)> {
    let codec = props.compression(descr.path());
    let stats = props.statistics_enabled(descr.path());
    let values: &StringArray = dict.values().as_string();
    let keys = dict.keys();
    let bit_width = (32 - (values.len().max(1) as u32 - 1).leading_zeros()) as u8;

    let mut sink = TrackedWrite::new(Vec::new());
    let mut pages = SerializedPageWriter::new(&mut sink);
    // The dictionary page: PLAIN byte arrays, each a 4-byte little-endian length and its bytes.
    let mut plain = Vec::new();
    for v in values.iter().flatten() {
        plain.extend_from_slice(&(v.len() as u32).to_le_bytes());
        plain.extend_from_slice(v.as_bytes());
    }
    let page = Page::DictionaryPage {
        buf: compress(codec, &plain)?,
        num_values: values.len() as u32,
        encoding: props.dictionary_page_encoding(),
        is_sorted: false,
    };
    let dictionary = pages.write_page(CompressedPage::new(page, plain.len()))?;

    let (mut compressed, mut uncompressed) =
        (dictionary.compressed_size, dictionary.uncompressed_size);
    let mut data_page_offsets = Vec::new();
    let mut column_index = ColumnIndexBuilder::new(descr.physical_type());
    let mut offset_index = OffsetIndexBuilder::new();
    let mut page_bounds = Vec::new();
    let page_rows = props.data_page_row_count_limit().max(1);
    for start in (0..keys.len()).step_by(page_rows) {
        let page_keys = keys.slice(start, page_rows.min(keys.len() - start));
        let buf = data_page_body(&page_keys, descr.max_def_level() > 0, bit_width);
        let page = Page::DataPage {
            buf: compress(codec, &buf)?,
            num_values: page_keys.len() as u32,
            encoding: props.dictionary_data_page_encoding(),
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };
        let spec = pages.write_page(CompressedPage::new(page, buf.len()))?;
        offset_index.append_offset_and_size(spec.offset as i64, spec.compressed_size as i32);
        offset_index.append_row_count(page_keys.len() as i64);
        data_page_offsets.push(spec.offset as i64);
        compressed += spec.compressed_size;
        uncompressed += spec.uncompressed_size;

        // Statistics describe the values the rows hold, not the whole vocabulary.
        let used = || page_keys.iter().flatten().map(|k| values.value(k as usize));
        let nulls = page_keys.null_count() as i64;
        match (used().min(), used().max()) {
            (Some(min), Some(max)) => {
                column_index.append(
                    false,
                    min.as_bytes().to_vec(),
                    max.as_bytes().to_vec(),
                    nulls,
                    None,
                );
                page_bounds.push((min, max));
            }
            _ => column_index.append(true, Vec::new(), Vec::new(), nulls, None),
        }
    }
    pages.close()?;

    let mut metadata = ColumnChunkMetaData::builder(descr)
        .set_compression(codec)
        .set_encodings_mask(EncodingMask::new_from_encodings(
            [Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY].iter(),
        ))
        .set_page_encoding_stats(vec![
            PageEncodingStats {
                page_type: PageType::DICTIONARY_PAGE,
                encoding: props.dictionary_page_encoding(),
                count: 1,
            },
            PageEncodingStats {
                page_type: PageType::DATA_PAGE,
                encoding: props.dictionary_data_page_encoding(),
                count: data_page_offsets.len() as i32,
            },
        ])
        .set_total_compressed_size(compressed as i64)
        .set_total_uncompressed_size(uncompressed as i64)
        .set_num_values(keys.len() as i64)
        .set_dictionary_page_offset(Some(dictionary.offset as i64))
        .set_data_page_offset(data_page_offsets.first().copied().unwrap_or(0));
    if stats != EnabledStatistics::None {
        let distinct = props.write_row_group_number_distinct_values().then(|| {
            let mut seen = vec![false; values.len()];
            keys.iter().flatten().for_each(|k| seen[k as usize] = true);
            seen.iter().filter(|&&s| s).count() as u64
        });
        let bytes = |s: Option<&str>| s.map(|s| ByteArray::from(s.as_bytes().to_vec()));
        let (min, max) = (
            page_bounds.iter().map(|b| b.0).min(),
            page_bounds.iter().map(|b| b.1).max(),
        );
        let chunk_stats = ValueStatistics::new(
            bytes(min),
            bytes(max),
            distinct,
            Some(keys.null_count() as u64),
            false,
        );
        metadata = metadata.set_statistics(Statistics::ByteArray(chunk_stats));
    }
    let ascending = page_bounds
        .windows(2)
        .all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1);
    let descending = page_bounds
        .windows(2)
        .all(|w| w[0].0 >= w[1].0 && w[0].1 >= w[1].1);
    column_index.set_boundary_order(match (ascending, descending) {
        (true, _) => BoundaryOrder::ASCENDING,
        (false, true) => BoundaryOrder::DESCENDING,
        _ => BoundaryOrder::UNORDERED,
    });
    let close = ColumnCloseResult {
        bytes_written: sink.bytes_written() as u64,
        rows_written: keys.len() as u64,
        metadata: metadata.build()?,
        bloom_filter: None,
        column_index: if stats == EnabledStatistics::Page {
            Some(column_index.build()?)
        } else {
            None
        },
        offset_index: (!props.offset_index_disabled()).then(|| offset_index.build()),
    };
    Ok((Bytes::from(sink.into_inner()?), close))
}

/// The body of a v1 data page: the definition levels (length-prefixed; only for a
/// nullable column), then the bit width of the indices and the indices of the non-null
/// rows, both in the RLE / bit-packed hybrid encoding.
fn data_page_body(keys: &Int32Array, nullable: bool, bit_width: u8) -> Vec<u8> {
    let mut buf = Vec::new();
    if nullable {
        let levels: Vec<u32> = (0..keys.len()).map(|i| keys.is_valid(i) as u32).collect();
        let mut encoded = Vec::new();
        rle_hybrid(&levels, 1, &mut encoded);
        buf.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
        buf.extend_from_slice(&encoded);
    }
    let indices: Vec<u32> = keys.iter().flatten().map(|k| k as u32).collect();
    buf.push(bit_width);
    rle_hybrid(&indices, bit_width, &mut buf);
    buf
}

/// Compresses a page as the column's codec says (only the codecs this crate is built with).
fn compress(codec: Compression, buf: &[u8]) -> Result<Bytes> {
    match codec {
        Compression::UNCOMPRESSED => Ok(Bytes::copy_from_slice(buf)),
        Compression::ZSTD(level) => {
            Ok(zstd::bulk::compress(buf, level.compression_level())?.into())
        }
        other => Err(ParquetError::NYI(format!(
            "{other} for a dictionary column"
        ))),
    }
}

/// Appends `values` (each below `2^bit_width`) in Parquet's RLE / bit-packed hybrid
/// encoding: 8 or more equal values in a row make one RLE run, the rest go into
/// bit-packed runs of at most 63 groups of 8 values (the last group zero-padded).
fn rle_hybrid(values: &[u32], bit_width: u8, out: &mut Vec<u8>) {
    let long_run_at = |i: usize| {
        values
            .get(i..i + 8)
            .is_some_and(|w| w.iter().all(|&v| v == w[0]))
    };
    let mut i = 0;
    while i < values.len() {
        if long_run_at(i) {
            let run = values[i..].iter().take_while(|&&v| v == values[i]).count();
            uleb128(out, (run as u64) << 1);
            out.extend_from_slice(&values[i].to_le_bytes()[..usize::from(bit_width).div_ceil(8)]);
            i += run;
            continue;
        }
        let start = i;
        let mut groups = 0u64;
        while i < values.len() && groups < 63 && (groups == 0 || !long_run_at(i)) {
            i += 8;
            groups += 1;
        }
        uleb128(out, groups << 1 | 1);
        let (mut acc, mut bits) = (0u64, 0u8);
        for k in start..start + 8 * groups as usize {
            acc |= u64::from(values.get(k).copied().unwrap_or(0)) << bits;
            bits += bit_width;
            while bits >= 8 {
                out.push(acc as u8);
                acc >>= 8;
                bits -= 8;
            }
        }
        i = i.min(values.len());
    }
}

fn uleb128(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Int64Array};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::arrow_reader::{
        ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection, RowSelector,
    };
    use parquet::arrow::ArrowWriter;
    use parquet::basic::ZstdLevel;
    use parquet::file::metadata::PageIndexPolicy;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    const VOCABULARY: [&str; 5] = ["day", "month", "season", "year", "range"];

    fn dictionary(keys: Vec<Option<i32>>, vocabulary: &[&str]) -> ArrayRef {
        Arc::new(DictionaryArray::new(
            Int32Array::from(keys),
            Arc::new(StringArray::from(vocabulary.to_vec())),
        ))
    }

    fn props() -> WriterProperties {
        WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(9).unwrap()))
            .build()
    }

    /// Rows back as strings, and each dictionary page as its values, by row group.
    fn read_back(bytes: &[u8], column: usize) -> (Vec<Option<String>>, Vec<Vec<String>>) {
        let reader = ParquetRecordBatchReaderBuilder::try_new(Bytes::copy_from_slice(bytes))
            .unwrap()
            .build()
            .unwrap();
        let mut rows = Vec::new();
        for batch in reader {
            let batch = batch.unwrap();
            let dict = batch.column(column).as_dictionary::<Int32Type>();
            let values = dict.values().as_string::<i32>();
            rows.extend(
                dict.keys()
                    .iter()
                    .map(|k| k.map(|k| values.value(k as usize).to_string())),
            );
        }
        let file = SerializedFileReader::new(Bytes::copy_from_slice(bytes)).unwrap();
        let mut pages = Vec::new();
        for group in 0..file.num_row_groups() {
            let mut reader = file
                .get_row_group(group)
                .unwrap()
                .get_column_page_reader(column)
                .unwrap();
            let Some(Page::DictionaryPage {
                buf, num_values, ..
            }) = reader.get_next_page().unwrap()
            else {
                panic!("no dictionary page first")
            };
            let (mut values, mut at) = (Vec::new(), 0);
            while at < buf.len() {
                let len = u32::from_le_bytes(buf[at..at + 4].try_into().unwrap()) as usize;
                values.push(String::from_utf8(buf[at + 4..at + 4 + len].to_vec()).unwrap());
                at += 4 + len;
            }
            assert_eq!(values.len(), num_values as usize);
            pages.push(values);
        }
        (rows, pages)
    }

    #[test]
    fn dictionary_page_is_the_whole_vocabulary_in_order() {
        // "month", "season" and "range" unused; "year" before "day"; a null.
        let keys = vec![Some(3), Some(0), Some(3), None, Some(0), Some(3)];
        let schema = Schema::new(vec![
            Field::new(
                "precision",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                true,
            )
            .with_dict_is_ordered(true),
            Field::new("n", DataType::Int64, false),
        ]);
        let n: ArrayRef = Arc::new(Int64Array::from_iter_values(0..6));
        let batch = RecordBatch::try_new(
            Arc::new(schema),
            vec![dictionary(keys.clone(), &VOCABULARY), n],
        )
        .unwrap();
        let bytes = encode(&batch, props()).unwrap();
        let (rows, pages) = read_back(&bytes, 0);
        let want: Vec<Option<String>> = keys
            .iter()
            .map(|k| k.map(|k| VOCABULARY[k as usize].to_string()))
            .collect();
        assert_eq!(rows, want);
        assert_eq!(pages, vec![VOCABULARY.map(String::from).to_vec()]);

        let reader = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(bytes.clone())).unwrap();
        assert_eq!(reader.schema().field(0).dict_is_ordered(), Some(true));
        let read = reader.build().unwrap().next().unwrap().unwrap();
        assert_eq!(
            read.column(0)
                .as_dictionary::<Int32Type>()
                .values()
                .as_string::<i32>()
                .iter()
                .flatten()
                .collect::<Vec<_>>(),
            VOCABULARY
        );
        assert_eq!(read.column(1).as_ref(), batch.column(1).as_ref());
        let stats = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(bytes.clone()))
            .unwrap()
            .metadata()
            .row_group(0)
            .column(0)
            .statistics()
            .cloned()
            .unwrap();
        assert_eq!(
            (
                stats.min_bytes_opt(),
                stats.max_bytes_opt(),
                stats.null_count_opt()
            ),
            (Some(&b"day"[..]), Some(&b"year"[..]), Some(1))
        );
        assert_eq!(encode(&batch, props()).unwrap(), bytes, "deterministic");
    }

    /// Many rows, long runs and short ones, nulls, several row groups and data pages,
    /// and vocabularies whose indices take 0, 1, 2, 5 and 9 bits.
    #[test]
    fn keys_survive_runs_pages_and_row_groups() {
        let mut seed = 7u64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for size in [1, 2, 3, 17, 300] {
            let vocabulary: Vec<String> = (0..size).map(|i| format!("v{i:03}")).collect();
            let vocabulary: Vec<&str> = vocabulary.iter().map(String::as_str).collect();
            let mut keys = Vec::new();
            while keys.len() < 5000 {
                let (key, run) = (
                    next(size as u64) as i32,
                    [1, 1, 2, 7, 8, 9, 40][next(7) as usize],
                );
                keys.extend(std::iter::repeat_n((next(10) > 0).then_some(key), run));
            }
            let field = Field::new(
                "c",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                true,
            );
            let batch = RecordBatch::try_new(
                Arc::new(Schema::new(vec![field])),
                vec![dictionary(keys.clone(), &vocabulary)],
            )
            .unwrap();
            let small = WriterProperties::builder()
                .set_max_row_group_row_count(Some(2000))
                .set_data_page_row_count_limit(300)
                .build();
            let bytes = encode(&batch, small).unwrap();
            let (rows, pages) = read_back(&bytes, 0);
            let want: Vec<Option<String>> = keys
                .iter()
                .map(|k| k.map(|k| vocabulary[k as usize].to_string()))
                .collect();
            assert_eq!(rows, want, "{size}");
            assert_eq!(
                pages,
                vec![vocabulary.iter().map(|s| s.to_string()).collect::<Vec<_>>(); 3]
            );

            // The offset index lets a reader skip pages: rows 2700..3100 start in page 2 of row group 1.
            let options =
                ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Required);
            let builder =
                ParquetRecordBatchReaderBuilder::try_new_with_options(Bytes::from(bytes), options)
                    .unwrap();
            assert_eq!(
                builder
                    .metadata()
                    .page_index_for_row_group(0)
                    .column_index(0)
                    .unwrap()
                    .num_pages(),
                7
            );
            let selection =
                RowSelection::from(vec![RowSelector::skip(2700), RowSelector::select(400)]);
            let batch = builder
                .with_row_selection(selection)
                .build()
                .unwrap()
                .next()
                .unwrap()
                .unwrap();
            let dict = batch.column(0).as_dictionary::<Int32Type>();
            let got: Vec<Option<String>> = dict
                .downcast_dict::<StringArray>()
                .unwrap()
                .into_iter()
                .map(|v| v.map(String::from))
                .collect();
            assert_eq!(got, want[2700..3100], "{size}");
        }
    }

    /// Appended batch by batch, a file is what ArrowWriter makes of the same batches
    /// (row groups cut across batches); the vocabulary column's keys, gathered over the
    /// batches of a group, give the bytes one batch of the same rows gives.
    #[test]
    fn batches_appended_make_the_file_of_their_rows() {
        let field = Field::new(
            "c",
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            true,
        );
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, true),
            Field::new("s", DataType::Utf8, false),
            field,
        ]));
        let rows = 2500;
        let batch_of = |range: std::ops::Range<i64>| {
            let n: ArrayRef = Arc::new(Int64Array::from_iter(
                range.clone().map(|i| (i % 7 != 0).then_some(i * 3)),
            ));
            let s: ArrayRef = Arc::new(StringArray::from_iter_values(
                range.clone().map(|i| format!("row {}", i % 40)),
            ));
            let keys = range
                .map(|i| (i % 5 != 0).then_some((i % 3) as i32))
                .collect();
            RecordBatch::try_new(schema.clone(), vec![n, s, dictionary(keys, &VOCABULARY)]).unwrap()
        };
        let cuts = [0, 1, 700, 701, 1999, 2000, 2001, 2500];
        let parts: Vec<RecordBatch> = cuts.windows(2).map(|w| batch_of(w[0]..w[1])).collect();
        let groups = || {
            WriterProperties::builder()
                .set_max_row_group_row_count(Some(1000))
                .set_data_page_row_count_limit(300)
                .build()
        };
        let mut file = Encoder::new(Vec::new(), schema.clone(), groups()).unwrap();
        for part in &parts {
            file.append(part).unwrap();
        }
        let streamed = file.finish().unwrap();
        assert_eq!(
            SerializedFileReader::new(Bytes::from(streamed.clone()))
                .unwrap()
                .num_row_groups(),
            3
        );
        let whole = batch_of(0..rows);
        let (got, _) = read_back(&streamed, 2);
        assert_eq!(got, read_back(&encode(&whole, groups()).unwrap(), 2).0);
        let reader = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(streamed))
            .unwrap()
            .build()
            .unwrap();
        let read: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
        for c in 0..2 {
            let back: Vec<ArrayRef> = read.iter().map(|b| b.column(c).clone()).collect();
            let back = arrow_select_concat(&back);
            assert_eq!(back.as_ref(), whole.column(c).as_ref(), "column {c}");
        }

        // Without the vocabulary column, byte for byte ArrowWriter's of the same batches.
        let plain = Arc::new(schema.project(&[0, 1]).unwrap());
        let mut ours = Encoder::new(Vec::new(), plain.clone(), groups()).unwrap();
        let mut out = Vec::new();
        let mut theirs = ArrowWriter::try_new(&mut out, plain, Some(groups())).unwrap();
        for part in &parts {
            let part = part.project(&[0, 1]).unwrap();
            ours.append(&part).unwrap();
            theirs.write(&part).unwrap();
        }
        theirs.close().unwrap();
        assert_eq!(ours.finish().unwrap(), out);
    }

    /// One array of the arrays' values, in order (Int64 and Utf8 only).
    fn arrow_select_concat(arrays: &[ArrayRef]) -> ArrayRef {
        if arrays[0]
            .as_primitive_opt::<arrow_array::types::Int64Type>()
            .is_some()
        {
            return Arc::new(Int64Array::from_iter(arrays.iter().flat_map(|a| {
                a.as_primitive::<arrow_array::types::Int64Type>()
                    .iter()
                    .collect::<Vec<_>>()
            })));
        }
        Arc::new(StringArray::from_iter(arrays.iter().flat_map(|a| {
            a.as_string::<i32>()
                .iter()
                .map(|v| v.map(String::from))
                .collect::<Vec<_>>()
        })))
    }

    /// Files without dictionary columns, or without rows, are ArrowWriter's, byte for
    /// byte, also when split into row groups.
    #[test]
    fn otherwise_the_file_is_arrow_writers() {
        let arrow_writer = |batch: &RecordBatch, props: WriterProperties| {
            let mut out = Vec::new();
            let mut writer = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).unwrap();
            writer.write(batch).unwrap();
            writer.close().unwrap();
            out
        };
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, true),
            Field::new("s", DataType::Utf8, false),
        ]));
        let n: ArrayRef = Arc::new(Int64Array::from(vec![
            Some(3),
            None,
            Some(1),
            Some(4),
            None,
        ]));
        let s: ArrayRef = Arc::new(StringArray::from(vec!["b", "a", "b", "c", "a"]));
        let batch = RecordBatch::try_new(schema, vec![n, s]).unwrap();
        assert_eq!(
            encode(&batch, props()).unwrap(),
            arrow_writer(&batch, props())
        );
        let groups = || {
            WriterProperties::builder()
                .set_max_row_group_row_count(Some(2))
                .build()
        };
        assert_eq!(
            encode(&batch, groups()).unwrap(),
            arrow_writer(&batch, groups())
        );

        let field = Field::new(
            "c",
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            true,
        );
        let empty = RecordBatch::try_new(
            Arc::new(Schema::new(vec![field])),
            vec![dictionary(vec![], &VOCABULARY)],
        )
        .unwrap();
        assert_eq!(
            encode(&empty, props()).unwrap(),
            arrow_writer(&empty, props())
        );
    }
}
