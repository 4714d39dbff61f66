using System.Globalization;
using System.Text;

namespace Sinusoid;

/// <summary>A small SVG writer for line plots: enough for a fit panel and a learning curve, no dependencies.</summary>
internal sealed class Figure(int width, int height)
{
    private readonly StringBuilder _body = new();

    public sealed record Series(string Label, string Color, IReadOnlyList<(double X, double Y)> Points, bool Markers = false, bool Dashed = false);

    /// <summary>Draws one panel with axes, ticks, a title and a legend at the given offset.</summary>
    public void Panel(double left, double top, double w, double h, string title, string xLabel, string yLabel,
        IReadOnlyList<Series> series, bool logY = false)
    {
        var all = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y) && (!logY || p.Y > 0)).ToList();
        double x0 = all.Min(p => p.X), x1 = all.Max(p => p.X);
        double y0 = all.Min(p => Y(p.Y)), y1 = all.Max(p => Y(p.Y));
        if (y1 - y0 < 1e-12) { y0 -= 1; y1 += 1; }
        double pad = 0.05 * (y1 - y0);
        y0 -= pad;
        y1 += pad;
        double Px(double x) => left + (x - x0) / (x1 - x0) * w;
        double Py(double y) => top + h - (Y(y) - y0) / (y1 - y0) * h;
        double Y(double y) => logY ? Math.Log10(y) : y;

        Append($"<rect x='{F(left)}' y='{F(top)}' width='{F(w)}' height='{F(h)}' fill='none' stroke='#444'/>");
        Append($"<text x='{F(left + w / 2)}' y='{F(top - 10)}' text-anchor='middle' font-size='15'>{title}</text>");
        Append($"<text x='{F(left + w / 2)}' y='{F(top + h + 38)}' text-anchor='middle' font-size='13'>{xLabel}</text>");
        Append($"<text x='{F(left - 45)}' y='{F(top + h / 2)}' text-anchor='middle' font-size='13' transform='rotate(-90 {F(left - 45)} {F(top + h / 2)})'>{yLabel}</text>");
        for (int i = 0; i <= 4; i++)
        {
            double xv = x0 + (x1 - x0) * i / 4, yv = y0 + (y1 - y0) * i / 4;
            Append($"<text x='{F(Px(xv))}' y='{F(top + h + 18)}' text-anchor='middle' font-size='11'>{Tick(xv)}</text>");
            string yText = logY ? Tick(Math.Pow(10, yv)) : Tick(yv);
            Append($"<text x='{F(left - 6)}' y='{F(top + h - (yv - y0) / (y1 - y0) * h + 4)}' text-anchor='end' font-size='11'>{yText}</text>");
        }
        int row = 0;
        foreach (var s in series)
        {
            var pts = s.Points.Where(p => double.IsFinite(p.Y) && (!logY || p.Y > 0)).ToList();
            if (s.Markers)
                foreach (var (x, y) in pts) Append($"<circle cx='{F(Px(x))}' cy='{F(Py(y))}' r='4' fill='{s.Color}'/>");
            else
                Append($"<polyline fill='none' stroke='{s.Color}' stroke-width='2'{(s.Dashed ? " stroke-dasharray='6 4'" : "")} points='{string.Join(" ", pts.Select(p => $"{F(Px(p.X))},{F(Py(p.Y))}"))}'/>");
            double ly = top + 16 + 18 * row++;
            Append($"<line x1='{F(left + w - 150)}' y1='{F(ly - 4)}' x2='{F(left + w - 125)}' y2='{F(ly - 4)}' stroke='{s.Color}' stroke-width='{(s.Markers ? 6 : 2)}'/>");
            Append($"<text x='{F(left + w - 118)}' y='{F(ly)}' font-size='12'>{s.Label}</text>");
        }
    }

    /// <summary>Writes the SVG atomically: a temporary file renamed over the target.</summary>
    public void Save(string path)
    {
        string text = $"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' font-family='sans-serif'>\n<rect width='100%' height='100%' fill='white'/>\n{_body}</svg>\n";
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    private void Append(string element) => _body.Append(element).Append('\n');

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Tick(double v) => v.ToString(Math.Abs(v) >= 100 ? "0" : Math.Abs(v) >= 1 ? "0.#" : "0.###", CultureInfo.InvariantCulture);
}
