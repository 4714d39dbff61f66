using System.Globalization;
using System.Security;
using System.Text;

namespace MetaSpec.Specs.SinusoidSpec;

/// <summary>
/// A small SVG writer for line plots, no dependencies: panels side by side, each a plot area with round ("nice")
/// tick values and light grid lines, axis labels clear of the tick labels, a legend in its own column to the right
/// of the plot area (never over the curves), and log axes ticked at 1, 2, 5 × 10^k and labelled "log scale".
/// </summary>
public sealed class Figure
{
    public sealed record Series(string Label, string Color, IReadOnlyList<(double X, double Y)> Points, bool Markers = false, bool Dashed = false);

    // Layout (pixels). Text widths are estimated: 0.62 em per character covers digits and most letters of a sans-serif font.
    private const double PlotWidth = 420, PlotHeight = 320, Top = 50, Bottom = 70, TickFont = 11, LabelFont = 13, LegendFont = 12;
    private const double TickLength = 5, Gap = 8, LegendRow = 20, LegendSample = 26, PanelGap = 30;

    private readonly StringBuilder _body = new();
    private double _width = 10;
    private int _panels;

    /// <summary>Adds a panel to the right of the previous ones.</summary>
    public void Panel(string title, string xLabel, string yLabel, IReadOnlyList<Series> series, bool logY = false)
    {
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!logY || p.Y > 0)).ToList();
        if (points.Count == 0) throw new ArgumentException($"Panel '{title}' has no finite points to plot.", nameof(series));
        double xMin = points.Min(p => p.X), xMax = points.Max(p => p.X);
        if (xMax - xMin < 1e-12) (xMin, xMax) = (xMin - 1, xMax + 1);
        double[] xTicks = Ticks.Linear(xMin, xMax);
        double[] yTicks;
        double yMin, yMax;
        if (logY)
        {
            // The data's range, 5% wider on each side in log units, with the round values inside it as ticks.
            double low = Math.Log10(points.Min(p => p.Y)), high = Math.Log10(points.Max(p => p.Y)), pad = 0.05 * Math.Max(high - low, 0.1);
            yTicks = Ticks.Logarithmic(Math.Pow(10, low - pad), Math.Pow(10, high + pad));
            (yMin, yMax) = (Math.Min(yTicks[0], Math.Pow(10, low - pad)), Math.Max(yTicks[^1], Math.Pow(10, high + pad)));
        }
        else
        {
            // The y range ends on ticks, so the plot area is framed by labelled values.
            yTicks = Ticks.Linear(points.Min(p => p.Y), points.Max(p => p.Y), expand: true);
            (yMin, yMax) = (yTicks[0], yTicks[^1]);
        }
        string[] yTickText = [.. yTicks.Select(v => logY ? Ticks.FormatLog(v) : Ticks.Format(v, yTicks))];
        double tickTextWidth = yTickText.Max(t => TextWidth(t, TickFont));

        // Horizontal layout of this panel: y label, y tick labels, plot area, legend column.
        double panelLeft = _width;
        double yLabelX = panelLeft + LabelFont;
        double plotLeft = yLabelX + LabelFont / 2 + Gap + tickTextWidth + Gap + TickLength;
        double plotRight = plotLeft + PlotWidth, plotBottom = Top + PlotHeight;
        bool legend = series.Count > 1;
        double legendWidth = legend ? LegendSample + 6 + series.Max(s => TextWidth(s.Label, LegendFont)) + 12 : 0;
        _width = plotRight + (legend ? 2 * Gap + legendWidth : 0) + PanelGap;

        double Px(double x) => plotLeft + (x - xMin) / (xMax - xMin) * PlotWidth;
        double Py(double y) => logY
            ? plotBottom - (Math.Log10(y) - Math.Log10(yMin)) / (Math.Log10(yMax) - Math.Log10(yMin)) * PlotHeight
            : plotBottom - (y - yMin) / (yMax - yMin) * PlotHeight;

        int id = _panels++;
        Append($"<g class='panel' id='panel{id}'>");
        Append($"<clipPath id='plot{id}'><rect x='{F(plotLeft)}' y='{F(Top)}' width='{F(PlotWidth)}' height='{F(PlotHeight)}'/></clipPath>");
        Append($"<text class='title' x='{F(plotLeft + PlotWidth / 2)}' y='{F(Top - 14)}' text-anchor='middle' font-size='15'>{Escape(title)}</text>");
        for (int i = 0; i < xTicks.Length; i++)
        {
            double x = Px(xTicks[i]);
            Append($"<line x1='{F(x)}' y1='{F(Top)}' x2='{F(x)}' y2='{F(plotBottom)}' stroke='#e6e6e6'/>");
            Append($"<line x1='{F(x)}' y1='{F(plotBottom)}' x2='{F(x)}' y2='{F(plotBottom + TickLength)}' stroke='#444'/>");
            Append($"<text class='tick x-tick' x='{F(x)}' y='{F(plotBottom + TickLength + 3 + TickFont)}' text-anchor='middle' font-size='{F(TickFont)}'>{Ticks.Format(xTicks[i], xTicks)}</text>");
        }
        for (int i = 0; i < yTicks.Length; i++)
        {
            double y = Py(yTicks[i]);
            Append($"<line x1='{F(plotLeft)}' y1='{F(y)}' x2='{F(plotRight)}' y2='{F(y)}' stroke='#e6e6e6'/>");
            Append($"<line x1='{F(plotLeft - TickLength)}' y1='{F(y)}' x2='{F(plotLeft)}' y2='{F(y)}' stroke='#444'/>");
            Append($"<text class='tick y-tick' x='{F(plotLeft - TickLength - Gap / 2)}' y='{F(y + TickFont * 0.35)}' text-anchor='end' font-size='{F(TickFont)}'>{yTickText[i]}</text>");
        }
        Append($"<rect class='plot-area' x='{F(plotLeft)}' y='{F(Top)}' width='{F(PlotWidth)}' height='{F(PlotHeight)}' fill='none' stroke='#444'/>");
        // The x label sits a full line below the tick labels; the y label, rotated, left of the widest tick label.
        Append($"<text class='x-label' x='{F(plotLeft + PlotWidth / 2)}' y='{F(plotBottom + TickLength + 3 + TickFont + Gap + LabelFont + 4)}' text-anchor='middle' font-size='{F(LabelFont)}'>{Escape(xLabel)}</text>");
        string yText = logY ? $"{yLabel} (log scale)" : yLabel;
        Append($"<text class='y-label' x='{F(yLabelX)}' y='{F(Top + PlotHeight / 2)}' text-anchor='middle' font-size='{F(LabelFont)}' transform='rotate(-90 {F(yLabelX)} {F(Top + PlotHeight / 2)})'>{Escape(yText)}</text>");

        foreach (var s in series)
        {
            var visible = s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!logY || p.Y > 0)).ToList();
            if (s.Markers)
                foreach (var (x, y) in visible) Append($"<circle cx='{F(Px(x))}' cy='{F(Py(y))}' r='4' fill='{s.Color}'/>");
            else
                Append($"<polyline clip-path='url(#plot{id})' fill='none' stroke='{s.Color}' stroke-width='2'{(s.Dashed ? " stroke-dasharray='6 4'" : "")} points='{string.Join(" ", visible.Select(p => $"{F(Px(p.X))},{F(Py(p.Y))}"))}'/>");
        }

        if (legend)
        {
            double left = plotRight + 2 * Gap, height = LegendRow * series.Count + 8;
            Append($"<g class='legend'><rect class='legend-box' x='{F(left)}' y='{F(Top)}' width='{F(legendWidth)}' height='{F(height)}' fill='white' stroke='#bbb'/>");
            for (int row = 0; row < series.Count; row++)
            {
                var s = series[row];
                double y = Top + 4 + LegendRow * (row + 0.5);
                if (s.Markers)
                    Append($"<circle cx='{F(left + 6 + LegendSample / 2)}' cy='{F(y)}' r='4' fill='{s.Color}'/>");
                else
                    Append($"<line x1='{F(left + 6)}' y1='{F(y)}' x2='{F(left + 6 + LegendSample)}' y2='{F(y)}' stroke='{s.Color}' stroke-width='2'{(s.Dashed ? " stroke-dasharray='6 4'" : "")}/>");
                Append($"<text x='{F(left + 12 + LegendSample)}' y='{F(y + LegendFont * 0.35)}' font-size='{F(LegendFont)}'>{Escape(s.Label)}</text>");
            }
            Append("</g>");
        }
        Append("</g>");
    }

    /// <summary>The SVG document.</summary>
    public string ToSvg()
    {
        double height = Top + PlotHeight + Bottom;
        return $"<svg xmlns='http://www.w3.org/2000/svg' width='{F(_width)}' height='{F(height)}' viewBox='0 0 {F(_width)} {F(height)}' font-family='sans-serif'>\n" +
               $"<rect width='100%' height='100%' fill='white'/>\n{_body}</svg>\n";
    }

    /// <summary>Writes the SVG atomically: a temporary file renamed over the target.</summary>
    public void Save(string path)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, ToSvg());
        File.Move(temporary, path, overwrite: true);
    }

    private void Append(string element) => _body.Append(element).Append('\n');

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text);

    private static double TextWidth(string text, double fontSize) => 0.62 * fontSize * text.Length;
}

/// <summary>Tick values a reader can take in at a glance: multiples of 1, 2 or 5 × 10^k.</summary>
public static class Ticks
{
    /// <summary>
    /// About <paramref name="target"/> ticks at multiples of a round step inside [min, max]; with
    /// <paramref name="expand"/>, the range is first widened to the enclosing multiples, so both ends are ticks.
    /// </summary>
    public static double[] Linear(double min, double max, int target = 5, bool expand = false)
    {
        if (!(max > min)) (min, max) = (min - 1, max + 1);
        double step = RoundStep((max - min) / (target - 1));
        double first = Math.Ceiling(min / step - 1e-9), last = Math.Floor(max / step + 1e-9);
        if (expand) (first, last) = (Math.Floor(min / step + 1e-9), Math.Ceiling(max / step - 1e-9));
        // k·step rather than accumulated sums: no drift such as 0.30000000000000004.
        return [.. Enumerable.Range(0, (int)(last - first) + 1).Select(k => Clean((first + k) * step, step))];
    }

    /// <summary>
    /// Ticks for a log axis over [min, max] (both positive): the powers of ten inside, or 1, 2, 5 × 10^k, or every
    /// m × 10^k, whichever first gives at least three, leaving out any closer than 10% of the axis to one already kept
    /// (powers of ten first, then 2 and 5); the two nearest values around the range when it is narrower still.
    /// </summary>
    public static double[] Logarithmic(double min, double max)
    {
        if (!(min > 0) || !(max >= min)) throw new ArgumentOutOfRangeException(nameof(min), "A log axis needs positive values.");
        double minGap = 0.1 * Math.Log10(max / min);
        List<double> candidates = [];
        foreach (double[] mantissas in new[] { new[] { 1.0 }, new[] { 1.0, 2, 5 }, new[] { 1.0, 2, 3, 4, 5, 6, 7, 8, 9 } })
        {
            candidates = [];
            for (int k = (int)Math.Floor(Math.Log10(min)) - 1; k <= (int)Math.Ceiling(Math.Log10(max)); k++)
                foreach (double m in mantissas) candidates.Add(double.Parse(FormattableString.Invariant($"{m}e{k}"), CultureInfo.InvariantCulture));
            var kept = new List<double>();
            foreach (double v in candidates.Where(v => v >= min * (1 - 1e-12) && v <= max * (1 + 1e-12)).OrderBy(Rank))
                if (kept.All(k => Math.Abs(Math.Log10(v / k)) >= minGap)) kept.Add(v);
            if (kept.Count >= 3) return [.. kept.Order()];
        }
        candidates.Sort();
        return [candidates.Last(v => v <= min * (1 + 1e-12)), candidates.First(v => v >= max * (1 - 1e-12))];

        // Powers of ten are kept first, then 2 and 5 × 10^k, then the rest.
        static int Rank(double v)
        {
            double mantissa = v / Math.Pow(10, Math.Floor(Math.Log10(v) + 1e-9));
            return Math.Abs(mantissa - 1) < 1e-6 ? 0 : Math.Abs(mantissa - 2) < 1e-6 || Math.Abs(mantissa - 5) < 1e-6 ? 1 : 2;
        }
    }

    /// <summary>A linear tick with as many decimals as its step needs.</summary>
    public static string Format(double value, IReadOnlyList<double> ticks)
    {
        double step = ticks.Count > 1 ? Math.Abs(ticks[1] - ticks[0]) : Math.Abs(value);
        int decimals = step > 0 ? Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9)) : 0;
        return value.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    /// <summary>A log tick (m × 10^k, m a whole number): plain decimals from 0.001 to 100 000, powers of ten beyond.</summary>
    public static string FormatLog(double value)
    {
        int exponent = (int)Math.Floor(Math.Log10(value) + 1e-9);
        if (exponent is >= -3 and <= 5) return value.ToString("0.###", CultureInfo.InvariantCulture);
        int mantissa = (int)Math.Round(value / Math.Pow(10, exponent));
        return (mantissa == 1 ? "" : $"{mantissa}×") + $"10^{exponent}";
    }

    /// <summary>The value of the form 1, 2 or 5 × 10^k nearest to <paramref name="raw"/> (on a log scale, roughly).</summary>
    private static double RoundStep(double raw)
    {
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double residual = raw / magnitude;
        double nice = residual < 1.5 ? 1 : residual < 3 ? 2 : residual < 7 ? 5 : 10;
        return nice * magnitude;
    }

    private static double Clean(double value, double step) =>
        Math.Abs(value) < step * 1e-9 ? 0 : Math.Round(value, Math.Max(0, -(int)Math.Floor(Math.Log10(step)) + 2));
}
