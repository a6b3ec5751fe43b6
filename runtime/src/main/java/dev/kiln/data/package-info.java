/**
 * Training data: an immutable in-memory {@link dev.kiln.data.Dataset}, readers for the MNIST family's
 * IDX files ({@link dev.kiln.data.Idx}) and delimited text ({@link dev.kiln.data.CsvReader}),
 * allocation-free mini-batch iteration with reproducible per-epoch orders ({@link
 * dev.kiln.data.Batches}, {@link dev.kiln.data.Shuffle}) and per-feature standardisation ({@link
 * dev.kiln.data.Standardizer}). Malformed input throws {@link dev.kiln.data.DataFormatException},
 * naming the file and the position.
 *
 * <pre>{@code
 * Dataset train = Idx.loadMnist(Path.of("/usr/share/datasets/fashion-mnist"), Idx.Part.TRAIN);
 * Dataset.Split split = train.split(0.1, seed);
 * Batches batches = Batches.shuffled(split.train(), 64, seed);
 * }</pre>
 */
package dev.kiln.data;
