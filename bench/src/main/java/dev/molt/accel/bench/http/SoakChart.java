package dev.molt.accel.bench.http;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/** The soak run's memory curve as a PNG line chart: MiB over minutes, one line per measure. */
final class SoakChart {

    private static final int WIDTH = 960;
    private static final int HEIGHT = 420;
    private static final int LEFT = 70;
    private static final int RIGHT = 190;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    private record Line(String label, Color color, ToDoubleFunction<SoakBench.Sample> value) {
    }

    private static final List<Line> LINES = List.of(
            new Line("application RSS", new Color(0x1f77b4), SoakBench.Sample::appRssMib),
            new Line("workers RSS (sum)", new Color(0xff7f0e), SoakBench.Sample::workersRssMib),
            new Line("application heap used", new Color(0x2ca02c), SoakBench.Sample::heapUsedMib));

    private SoakChart() {
    }

    static void write(List<SoakBench.Sample> samples, String title, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            draw(g, samples, title);
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", file.toFile());
    }

    private static void draw(Graphics2D g, List<SoakBench.Sample> samples, String title) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        double maxX = Math.max(1, samples.get(samples.size() - 1).seconds() / 60);
        double maxY = 0;
        for (SoakBench.Sample s : samples) {
            for (Line l : LINES) {
                maxY = Math.max(maxY, l.value.applyAsDouble(s));
            }
        }
        double yStep = niceStep(maxY / 6);
        maxY = Math.ceil(maxY * 1.05 / yStep) * yStep;
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.setColor(Color.BLACK);
        g.drawString(title, LEFT, TOP - 15);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        // warm-up band
        double warmEnd = samples.stream().filter(SoakBench.Sample::warmup).mapToDouble(s -> s.seconds() / 60).max().orElse(0);
        if (warmEnd > 0) {
            g.setColor(new Color(0xf0f0f0));
            g.fillRect(LEFT, TOP, (int) (plotW * warmEnd / maxX), plotH);
            g.setColor(Color.GRAY);
            g.drawString("warm-up", LEFT + 4, TOP + 14);
        }
        // grid and axes
        for (double y = 0; y <= maxY + 1e-9; y += yStep) {
            int py = TOP + plotH - (int) (plotH * y / maxY);
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT, py, LEFT + plotW, py);
            g.setColor(Color.DARK_GRAY);
            String label = String.format(Locale.ROOT, "%.0f", y);
            g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), py + 4);
        }
        double xStep = niceStep(maxX / 10);
        for (double x = 0; x <= maxX + 1e-9; x += xStep) {
            int px = LEFT + (int) (plotW * x / maxX);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(px, TOP + plotH, px, TOP + plotH + 4);
            String label = String.format(Locale.ROOT, xStep < 1 ? "%.1f" : "%.0f", x);
            g.drawString(label, px - g.getFontMetrics().stringWidth(label) / 2, TOP + plotH + 18);
        }
        g.drawRect(LEFT, TOP, plotW, plotH);
        g.drawString("minutes since the application was ready", LEFT + plotW / 2 - 110, HEIGHT - 12);
        g.drawString("MiB", 10, TOP + 4);
        // lines and legend
        g.setStroke(new BasicStroke(2f));
        int legendY = TOP + 20;
        for (Line l : LINES) {
            g.setColor(l.color);
            int prevX = -1;
            int prevY = -1;
            for (SoakBench.Sample s : samples) {
                double v = l.value.applyAsDouble(s);
                if (v < 0) {
                    prevX = -1;
                    continue;
                }
                int px = LEFT + (int) (plotW * (s.seconds() / 60) / maxX);
                int py = TOP + plotH - (int) (plotH * v / maxY);
                if (prevX >= 0) {
                    g.drawLine(prevX, prevY, px, py);
                }
                prevX = px;
                prevY = py;
            }
            g.drawLine(WIDTH - RIGHT + 15, legendY - 4, WIDTH - RIGHT + 40, legendY - 4);
            g.setColor(Color.BLACK);
            g.drawString(l.label, WIDTH - RIGHT + 46, legendY);
            legendY += 20;
        }
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    private static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
