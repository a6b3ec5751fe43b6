package dev.kiln.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Reads a classification dataset from a delimited text file (UTF-8): one row per line, every column
 * a float feature except one label column. Immutable; each {@code with} method returns a new reader.
 *
 * <pre>{@code
 * Dataset iris = CsvReader.defaults().withLabelColumn("species").withNamedLabels().read(path);
 * }</pre>
 *
 * <p>Defaults: comma delimiter, header detected automatically, the label is the last column and holds
 * integer class indices, and the number of classes is the largest label plus one.
 *
 * <ul>
 *   <li><b>Header.</b> {@link Header#AUTO} takes the first non-blank line for a header when one of its
 *       feature cells is not a number; say {@link Header#PRESENT} for a header of numeric names.
 *   <li><b>Cells.</b> Surrounding spaces are ignored; a cell may be quoted with {@code "} (a doubled
 *       {@code ""} inside stands for one quote), so it can contain the delimiter. A quoted cell cannot
 *       span lines. Blank lines are skipped. Features must be finite numbers as {@link
 *       Float#parseFloat} reads them.
 *   <li><b>Labels.</b> Integer class indices by default; {@link #withNamedLabels()} maps names
 *       (e.g. Iris species) to indices in sorted order, so the mapping does not depend on row order;
 *       {@link #withClassNames(List)} fixes the mapping, e.g. to read a validation file consistently
 *       with its training file. Named classes are kept in {@link Dataset#classNames()}.
 * </ul>
 *
 * <p>Every problem throws {@link DataFormatException} naming the file, line and column (1-based):
 * a non-numeric or empty cell, a row with the wrong number of columns, a label out of range, a file
 * without data rows.
 */
public final class CsvReader {

    /** Whether the first non-blank line names the columns. */
    public enum Header {
        /** A header when one of the line's feature cells is not a number. */
        AUTO,
        PRESENT,
        ABSENT
    }

    private enum LabelKind { INTEGERS, NAMES_SORTED, NAMES_GIVEN }

    private static final int LAST_COLUMN = -1;
    private static final CsvReader DEFAULTS =
            new CsvReader(',', Header.AUTO, LAST_COLUMN, null, LabelKind.INTEGERS, 0, List.of());

    private final char delimiter;
    private final Header header;
    private final int labelColumn;
    private final String labelColumnName;
    private final LabelKind labelKind;
    private final int classes;
    private final List<String> classNames;

    private CsvReader(char delimiter, Header header, int labelColumn, String labelColumnName,
            LabelKind labelKind, int classes, List<String> classNames) {
        this.delimiter = delimiter;
        this.header = header;
        this.labelColumn = labelColumn;
        this.labelColumnName = labelColumnName;
        this.labelKind = labelKind;
        this.classes = classes;
        this.classNames = classNames;
    }

    /** A reader with the defaults described {@link CsvReader above}. */
    public static CsvReader defaults() {
        return DEFAULTS;
    }

    /** Cells are separated by {@code delimiter} (e.g. {@code ';'} or {@code '\t'}). */
    public CsvReader withDelimiter(char delimiter) {
        if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
            throw new IllegalArgumentException("a quote or line break cannot be the delimiter");
        }
        return new CsvReader(delimiter, header, labelColumn, labelColumnName, labelKind, classes, classNames);
    }

    /** Whether the file has a header line. */
    public CsvReader withHeader(Header header) {
        return new CsvReader(delimiter, Objects.requireNonNull(header), labelColumn, labelColumnName,
                labelKind, classes, classNames);
    }

    /** The label is in column {@code column}, counted from 0. */
    public CsvReader withLabelColumn(int column) {
        if (column < 0) {
            throw new IllegalArgumentException("column must not be negative, got " + column);
        }
        return new CsvReader(delimiter, header, column, null, labelKind, classes, classNames);
    }

    /** The label is in the column the header names {@code name}; the file must have a header. */
    public CsvReader withLabelColumn(String name) {
        return new CsvReader(delimiter, header, LAST_COLUMN, Objects.requireNonNull(name), labelKind,
                classes, classNames);
    }

    /**
     * Labels are integer class indices (the default) in {@code [0, classes)}: fixing the count lets a
     * file that lacks the highest classes (a small validation file) still have all of them.
     */
    public CsvReader withClasses(int classes) {
        if (classes < 1) {
            throw new IllegalArgumentException("classes must be at least 1, got " + classes);
        }
        return new CsvReader(delimiter, header, labelColumn, labelColumnName, LabelKind.INTEGERS, classes,
                List.of());
    }

    /**
     * Labels are class names, numbered in sorted ({@link String#compareTo}) order of the distinct names
     * in the file.
     */
    public CsvReader withNamedLabels() {
        return new CsvReader(delimiter, header, labelColumn, labelColumnName, LabelKind.NAMES_SORTED, 0,
                List.of());
    }

    /** Labels are class names, and {@code names.get(k)} is class {@code k}; other names are errors. */
    public CsvReader withClassNames(List<String> names) {
        if (names.isEmpty() || new TreeSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException("class names must be non-empty and distinct: " + names);
        }
        return new CsvReader(delimiter, header, labelColumn, labelColumnName, LabelKind.NAMES_GIVEN,
                names.size(), List.copyOf(names));
    }

    /** Reads {@code file} as UTF-8. */
    public Dataset read(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(reader, file.toString());
        }
    }

    /**
     * Reads from {@code reader} (not closed), e.g. a class-path resource; {@code source} names it in
     * error messages.
     */
    public Dataset read(Reader reader, String source) throws IOException {
        return new Parse(source).run(reader instanceof BufferedReader b ? b : new BufferedReader(reader));
    }

    /** The state of one read. */
    private final class Parse {
        private final String source;
        private final List<String> cells = new ArrayList<>();
        private List<String> headerNames;
        private int lineNumber;
        private int columns;
        private int label;
        private float[] x = new float[1024];
        private int[] labels = new int[256];
        private int rows;
        private final Map<String, Integer> nameIds = new HashMap<>();
        private final List<String> namesInOrder = new ArrayList<>();

        Parse(String source) {
            this.source = source;
            if (labelKind == LabelKind.NAMES_GIVEN) {
                for (int k = 0; k < classNames.size(); k++) {
                    nameIds.put(classNames.get(k), k);
                }
            }
        }

        Dataset run(BufferedReader reader) throws IOException {
            String line;
            boolean first = true;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (first && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                split(line);
                if (first) {
                    first = false;
                    if (startsWithHeader()) {
                        continue;
                    }
                }
                addRow();
            }
            if (rows == 0) {
                throw new DataFormatException(source, "end of file",
                        lineNumber == 0 ? "the file is empty" : "no data rows in " + lineNumber + " lines");
            }
            return finish();
        }

        /** Fixes the layout from the first line and tells whether that line is a header. */
        private boolean startsWithHeader() throws DataFormatException {
            columns = cells.size();
            if (columns < 2) {
                throw error(-1, "found 1 column; a feature and a label need at least 2 (delimiter '"
                        + delimiter + "')");
            }
            boolean isHeader = switch (header) {
                case PRESENT -> true;
                case ABSENT -> false;
                case AUTO -> labelColumnName != null || !featuresAreNumbers();
            };
            if (labelColumnName != null) {
                if (!isHeader) {
                    throw error(-1, "the label column is named '" + labelColumnName
                            + "', but the file has no header");
                }
                label = cells.indexOf(labelColumnName);
                if (label < 0) {
                    throw error(-1, "no column named '" + labelColumnName + "' in the header " + cells);
                }
            } else {
                label = labelColumn == LAST_COLUMN ? columns - 1 : labelColumn;
                if (label >= columns) {
                    throw error(-1, "label column " + (label + 1) + " does not exist: the line has "
                            + columns + " columns");
                }
            }
            if (isHeader) {
                headerNames = List.copyOf(cells);
            }
            return isHeader;
        }

        private boolean featuresAreNumbers() {
            for (int c = 0; c < columns; c++) {
                if (c != (labelColumn == LAST_COLUMN ? columns - 1 : labelColumn)) {
                    String cell = cells.get(c);
                    try {
                        Float.parseFloat(cell);
                    } catch (NumberFormatException e) {
                        // An empty cell is a data row's defect, reported as such, not a column name.
                        if (!cell.isEmpty()) {
                            return false;
                        }
                    }
                }
            }
            return true;
        }

        private void addRow() throws DataFormatException {
            if (cells.size() != columns) {
                throw error(-1, "expected " + columns + " columns, found " + cells.size());
            }
            int features = columns - 1;
            if ((long) (rows + 1) * features > x.length) {
                x = Arrays.copyOf(x, Math.max(x.length * 2, (rows + 1) * features));
            }
            if (rows == labels.length) {
                labels = Arrays.copyOf(labels, rows * 2);
            }
            int at = rows * features;
            for (int c = 0; c < columns; c++) {
                if (c != label) {
                    x[at++] = feature(c);
                }
            }
            labels[rows++] = label();
        }

        private float feature(int column) throws DataFormatException {
            String cell = cells.get(column);
            if (cell.isEmpty()) {
                throw error(column, "empty cell");
            }
            float value;
            try {
                value = Float.parseFloat(cell);
            } catch (NumberFormatException e) {
                throw error(column, "'" + cell + "' is not a number");
            }
            if (!Float.isFinite(value)) {
                throw error(column, "'" + cell + "' is not a finite number");
            }
            return value;
        }

        private int label() throws DataFormatException {
            String cell = cells.get(label);
            if (cell.isEmpty()) {
                throw error(label, "empty label");
            }
            switch (labelKind) {
                case INTEGERS -> {
                    int value;
                    try {
                        value = Integer.parseInt(cell);
                    } catch (NumberFormatException e) {
                        throw error(label, "label '" + cell + "' is not an integer class index"
                                + " (use withNamedLabels() for class names)");
                    }
                    if (value < 0 || (classes > 0 && value >= classes)) {
                        throw error(label, "label " + value + " is outside [0, "
                                + (classes > 0 ? classes + ")" : "infinity)"));
                    }
                    return value;
                }
                case NAMES_GIVEN -> {
                    Integer id = nameIds.get(cell);
                    if (id == null) {
                        throw error(label, "label '" + cell + "' is not one of the classes " + classNames);
                    }
                    return id;
                }
                default -> {
                    // Numbered by first appearance while reading; finish() renumbers in sorted order.
                    Integer id = nameIds.get(cell);
                    if (id == null) {
                        id = namesInOrder.size();
                        nameIds.put(cell, id);
                        namesInOrder.add(cell);
                    }
                    return id;
                }
            }
        }

        private Dataset finish() {
            float[] features = Arrays.copyOf(x, rows * (columns - 1));
            int[] rowLabels = Arrays.copyOf(labels, rows);
            switch (labelKind) {
                case INTEGERS -> {
                    int max = 0;
                    for (int value : rowLabels) {
                        max = Math.max(max, value);
                    }
                    return Dataset.wrap(features, rowLabels, columns - 1, classes > 0 ? classes : max + 1, List.of());
                }
                case NAMES_GIVEN -> {
                    return Dataset.wrap(features, rowLabels, columns - 1, classes, classNames);
                }
                default -> {
                    List<String> sorted = new ArrayList<>(namesInOrder);
                    sorted.sort(null);
                    int[] sortedId = new int[sorted.size()];
                    for (int k = 0; k < sorted.size(); k++) {
                        sortedId[nameIds.get(sorted.get(k))] = k;
                    }
                    for (int i = 0; i < rows; i++) {
                        rowLabels[i] = sortedId[rowLabels[i]];
                    }
                    return Dataset.wrap(features, rowLabels, columns - 1, sorted.size(), sorted);
                }
            }
        }

        /** Splits {@code line} into trimmed, unquoted {@link #cells}. */
        private void split(String line) throws DataFormatException {
            cells.clear();
            StringBuilder cell = new StringBuilder();
            int i = 0;
            int n = line.length();
            while (true) {
                while (i < n && line.charAt(i) != delimiter && Character.isWhitespace(line.charAt(i))) {
                    i++;
                }
                cell.setLength(0);
                if (i < n && line.charAt(i) == '"') {
                    i++;
                    while (true) {
                        if (i == n) {
                            throw error(cells.size(), "unclosed quote");
                        }
                        char c = line.charAt(i++);
                        if (c == '"') {
                            if (i < n && line.charAt(i) == '"') {
                                cell.append('"');
                                i++;
                            } else {
                                break;
                            }
                        } else {
                            cell.append(c);
                        }
                    }
                    while (i < n && line.charAt(i) != delimiter) {
                        if (!Character.isWhitespace(line.charAt(i++))) {
                            throw error(cells.size(), "text after a closing quote");
                        }
                    }
                    cells.add(cell.toString());
                } else {
                    int end = line.indexOf(delimiter, i);
                    if (end < 0) {
                        end = n;
                    }
                    cells.add(line.substring(i, end).strip());
                    i = end;
                }
                if (i >= n) {
                    return;
                }
                i++; // the delimiter
            }
        }

        /** An error at {@code column} (0-based) of the current line, or at the whole line if negative. */
        private DataFormatException error(int column, String detail) {
            String position = "line " + lineNumber;
            if (column >= 0) {
                position += ", column " + (column + 1);
                if (headerNames != null && column < headerNames.size()) {
                    position += " (" + headerNames.get(column) + ")";
                }
            }
            return new DataFormatException(source, position, detail);
        }
    }
}
