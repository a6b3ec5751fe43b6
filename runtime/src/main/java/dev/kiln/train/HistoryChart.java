package dev.kiln.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/** Renders a {@link History} as a PNG: a loss panel and a validation-accuracy panel side by side. */
final class HistoryChart {
    private static final Color BACKGROUND = Color.WHITE;
    private static final Color TEXT = new Color(0x22, 0x22, 0x22);
    private static final Color MUTED = new Color(0x66, 0x66, 0x66);
    private static final Color AXIS = new Color(0x99, 0x99, 0x99);
    private static final Color GRID = new Color(0xE6, 0xE6, 0xE6);
    private static final Color TRAIN = new Color(0x1F, 0x77, 0xB4);
    private static final Color VALIDATION = new Color(0xFF, 0x7F, 0x0E);
    private static final Color ACCURACY = new Color(0x2C, 0xA0, 0x2C);

    private record Series(String label, Color color, double[] values) {}

    private HistoryChart() {}

    static void write(History history, Path file, int width, int height) throws IOException {
        if (width < 320 || height < 200) {
            throw new IllegalArgumentException("chart must be at least 320 x 200 pixels, got " + width + " x " + height);
        }
        String previous = System.setProperty("java.awt.headless", "true");
        try {
            BufferedImage image = render(history, width, height);
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IOException("no PNG writer available");
            }
        } finally {
            if (previous == null) {
                System.clearProperty("java.awt.headless");
            } else {
                System.setProperty("java.awt.headless", previous);
            }
        }
    }

    static BufferedImage render(History history, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, width, height);

            List<EpochResult> epochs = history.epochs();
            double[] x = epochs.stream().mapToDouble(EpochResult::epoch).toArray();
            List<Series> losses = new ArrayList<>();
            losses.add(new Series("train loss", TRAIN, values(epochs, EpochResult::trainLoss)));
            List<Series> accuracy = new ArrayList<>();
            if (epochs.stream().anyMatch(EpochResult::hasValidation)) {
                losses.add(new Series("validation loss", VALIDATION, values(epochs, EpochResult::validationLoss)));
                accuracy.add(new Series("validation accuracy", ACCURACY,
                        values(epochs, e -> 100 * e.validationAccuracy())));
            }

            int gap = width / 20;
            int panelWidth = (width - 3 * gap) / 2;
            panel(g, gap, 0, panelWidth, height, "Loss", "", x, losses);
            panel(g, 2 * gap + panelWidth, 0, panelWidth, height, "Validation accuracy", "%", x, accuracy);
        } finally {
            g.dispose();
        }
        return image;
    }

    private static double[] values(List<EpochResult> epochs, ToDoubleFunction<EpochResult> metric) {
        return epochs.stream().mapToDouble(metric).toArray();
    }

    private static void panel(Graphics2D g, int left, int top, int width, int height, String title, String unit,
            double[] x, List<Series> series) {
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, Math.max(12, height / 30));
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(10, height / 40));
        g.setFont(labelFont);
        FontMetrics labels = g.getFontMetrics();
        int lineHeight = labels.getHeight();

        int plotTop = top + lineHeight * 3;
        int plotBottom = top + height - lineHeight * 3;
        int plotLeft = left + labels.stringWidth("0.0000") + lineHeight;
        int plotRight = left + width;

        g.setFont(titleFont);
        g.setColor(TEXT);
        g.drawString(title, plotLeft, top + lineHeight * 2);
        g.setFont(labelFont);

        double[] yRange = range(series);
        boolean hasData = yRange != null && x.length > 0;
        if (!hasData) {
            yRange = new double[] {0, 1};
        }
        double yMargin = (yRange[1] - yRange[0]) * 0.04;
        Ticks yTicks = Ticks.nice(yRange[0] - yMargin, yRange[1] + yMargin, Math.max(3, (plotBottom - plotTop) / (lineHeight * 3)));
        double xMin = x.length == 0 ? 1 : x[0];
        double xMax = x.length == 0 ? 1 : x[x.length - 1];
        if (xMax - xMin < 1) {
            xMin -= 0.5;
            xMax += 0.5;
        }
        // A margin keeps the first and last points off the frame.
        double xMargin = (xMax - xMin) * 0.03;
        xMin -= xMargin;
        xMax += xMargin;
        Ticks xTicks = Ticks.nice(xMin, xMax, Math.max(2, (plotRight - plotLeft) / (labels.stringWidth("0000") * 2)))
                .integral();

        Mapping map = new Mapping(xMin, xMax, yTicks.min, yTicks.max, plotLeft, plotRight, plotTop, plotBottom);

        g.setStroke(new BasicStroke(1f));
        for (double tick : yTicks.values()) {
            int py = (int) Math.round(map.y(tick));
            g.setColor(GRID);
            g.drawLine(plotLeft, py, plotRight, py);
            String label = yTicks.format(tick) + unit;
            g.setColor(MUTED);
            g.drawString(label, plotLeft - 6 - labels.stringWidth(label), py + labels.getAscent() / 2 - 1);
        }
        for (double tick : xTicks.values()) {
            if (tick < xMin - 1e-9 || tick > xMax + 1e-9) {
                continue;
            }
            int px = (int) Math.round(map.x(tick));
            g.setColor(GRID);
            g.drawLine(px, plotTop, px, plotBottom);
            g.setColor(AXIS);
            g.drawLine(px, plotBottom, px, plotBottom + 4);
            String label = xTicks.format(tick);
            g.setColor(MUTED);
            g.drawString(label, px - labels.stringWidth(label) / 2, plotBottom + 6 + labels.getAscent());
        }
        g.setColor(AXIS);
        g.drawLine(plotLeft, plotBottom, plotRight, plotBottom);
        g.drawLine(plotLeft, plotTop, plotLeft, plotBottom);
        g.setColor(TEXT);
        g.drawString("epoch", (plotLeft + plotRight - labels.stringWidth("epoch")) / 2,
                plotBottom + 8 + labels.getAscent() + lineHeight);

        if (!hasData) {
            String none = series.isEmpty() ? "no validation set" : "no epochs";
            g.setColor(MUTED);
            g.drawString(none, (plotLeft + plotRight - labels.stringWidth(none)) / 2, (plotTop + plotBottom) / 2);
            return;
        }
        Stroke line = new BasicStroke(Math.max(2f, height / 240f), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
        double dot = Math.max(5, height / 90.0);
        for (Series s : series) {
            g.setColor(s.color);
            g.setStroke(line);
            Path2D.Double path = new Path2D.Double();
            boolean drawing = false;
            for (int i = 0; i < x.length; i++) {
                if (!Double.isFinite(s.values[i])) {
                    drawing = false;
                    continue;
                }
                double px = map.x(x[i]);
                double py = map.y(s.values[i]);
                if (drawing) {
                    path.lineTo(px, py);
                } else {
                    path.moveTo(px, py);
                    drawing = true;
                }
                if (x.length <= 60) {
                    g.fill(new Ellipse2D.Double(px - dot / 2, py - dot / 2, dot, dot));
                }
            }
            g.draw(path);
        }
        legend(g, labels, series, x, map);
    }

    /**
     * Swatch and label per series in a box, in whichever corner of the plot covers the fewest data
     * points (top right on ties).
     */
    private static void legend(Graphics2D g, FontMetrics labels, List<Series> series, double[] x, Mapping map) {
        int swatch = labels.getHeight() * 3 / 2;
        int padding = labels.getHeight() / 2;
        int textWidth = series.stream().mapToInt(s -> labels.stringWidth(s.label)).max().orElse(0);
        int boxWidth = padding * 3 + swatch + textWidth;
        int boxHeight = padding * 2 + labels.getHeight() * series.size();
        int[][] corners = {
            {map.right - boxWidth - padding, map.top + padding},
            {map.right - boxWidth - padding, map.bottom - boxHeight - padding},
            {map.left + padding, map.top + padding},
            {map.left + padding, map.bottom - boxHeight - padding},
        };
        int boxLeft = corners[0][0];
        int boxTop = corners[0][1];
        int fewest = Integer.MAX_VALUE;
        for (int[] corner : corners) {
            int covered = 0;
            for (Series s : series) {
                for (int i = 0; i < x.length; i++) {
                    double px = map.x(x[i]);
                    double py = map.y(s.values[i]);
                    if (px >= corner[0] - padding && px <= corner[0] + boxWidth + padding
                            && py >= corner[1] - padding && py <= corner[1] + boxHeight + padding) {
                        covered++;
                    }
                }
            }
            if (covered < fewest) {
                fewest = covered;
                boxLeft = corner[0];
                boxTop = corner[1];
            }
        }
        g.setColor(new Color(255, 255, 255, 230));
        g.fillRoundRect(boxLeft, boxTop, boxWidth, boxHeight, 8, 8);
        g.setColor(GRID);
        g.setStroke(new BasicStroke(1f));
        g.drawRoundRect(boxLeft, boxTop, boxWidth, boxHeight, 8, 8);
        int y = boxTop + padding;
        for (Series s : series) {
            int mid = y + labels.getHeight() / 2;
            g.setColor(s.color);
            g.setStroke(new BasicStroke(3f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.drawLine(boxLeft + padding, mid, boxLeft + padding + swatch, mid);
            g.setColor(TEXT);
            g.drawString(s.label, boxLeft + padding * 2 + swatch, y + labels.getAscent());
            y += labels.getHeight();
        }
    }

    /** Smallest and largest finite value over all series, or null if there is none. */
    private static double[] range(List<Series> series) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double v : s.values) {
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        return min > max ? null : new double[] {min, max};
    }

    private record Mapping(double xMin, double xMax, double yMin, double yMax, int left, int right, int top, int bottom) {
        double x(double value) {
            return left + (value - xMin) / (xMax - xMin) * (right - left);
        }

        double y(double value) {
            return bottom - (value - yMin) / (yMax - yMin) * (bottom - top);
        }
    }

    /** Axis ticks at 1, 2 or 5 times a power of ten, covering the data (Heckbert's "nice numbers"). */
    private record Ticks(double min, double max, double step) {
        static Ticks nice(double low, double high, int count) {
            if (high - low < 1e-12 * Math.max(1, Math.abs(high))) {
                double pad = low == 0 ? 1 : Math.abs(low) * 0.05;
                low -= pad;
                high += pad;
            }
            double step = niceStep((high - low) / Math.max(1, count - 1));
            return new Ticks(Math.floor(low / step) * step, Math.ceil(high / step) * step, step);
        }

        /** The same axis with a step of at least 1, for epoch numbers. */
        Ticks integral() {
            if (step >= 1) {
                return this;
            }
            return new Ticks(Math.floor(min), Math.ceil(max), 1);
        }

        private static double niceStep(double rough) {
            double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
            double fraction = rough / magnitude;
            double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
            return nice * magnitude;
        }

        double[] values() {
            int n = (int) Math.round((max - min) / step) + 1;
            double[] ticks = new double[n];
            for (int i = 0; i < n; i++) {
                ticks[i] = min + i * step;
            }
            return ticks;
        }

        String format(double value) {
            int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
            return String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(value) < step / 2 ? 0.0 : value);
        }
    }
}
