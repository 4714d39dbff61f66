using System.Globalization;
using System.Xml.Linq;
using MetaSpec.Specs.SinusoidSpec;

namespace MetaSpec.Specs.Tests;

/// <summary>The main job's SVG figure: round ticks, a legend off the curves, labels clear of the ticks, log axes said so.</summary>
public sealed class FigureTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Linear_ticks_are_round_and_inside_the_range()
    {
        Assert.Equal([-4, -2, 0, 2, 4], Ticks.Linear(-5, 5));
        Assert.Equal([2000, 4000, 6000, 8000, 10000], Ticks.Linear(100, 10000));
        Assert.Equal([-6, -4, -2, 0, 2, 4, 6], Ticks.Linear(-4.57, 4.61, expand: true));
        Assert.Equal([0.1, 0.2, 0.3, 0.4], Ticks.Linear(0.1, 0.4)); // no 0.30000000000000004

        var random = new Random(3);
        for (int trial = 0; trial < 2000; trial++)
        {
            double a = (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-4, 6)), b = a + Math.Pow(10, random.Next(-4, 6)) * random.NextDouble();
            double[] ticks = Ticks.Linear(a, b);
            Assert.InRange(ticks.Length, 2, 10);
            // The difference of two large neighbours carries their rounding: the step is that difference to 4 digits.
            double magnitude = Math.Pow(10, Math.Floor(Math.Log10(ticks[1] - ticks[0]) + 1e-4));
            double mantissa = Math.Round((ticks[1] - ticks[0]) / magnitude, 4), step = mantissa * magnitude;
            Assert.Contains(mantissa, new[] { 1.0, 2, 5 });
            Assert.All(ticks, t => Assert.InRange(t, a - 1e-9 * Math.Abs(step), b + 1e-9 * Math.Abs(step)));
            Assert.All(ticks, t => Assert.True(Math.Abs(t / step - Math.Round(t / step)) <= 1e-6 + 1e-12 * Math.Abs(t / step), $"{t} is not a multiple of {step}"));
        }
    }

    [Fact]
    public void Log_ticks_are_powers_of_ten_or_one_two_five_and_never_crowded()
    {
        Assert.Equal([0.01, 0.1, 1, 10], Ticks.Logarithmic(0.005, 30));
        Assert.Equal([0.2, 0.5, 1, 2], Ticks.Logarithmic(0.15, 4));
        Assert.Equal([1, 2, 3, 4], Ticks.Logarithmic(0.9, 4.4));
        Assert.Equal(["0.01", "1", "100000", "10^6", "2×10^-5"], new[] { 0.01, 1, 1e5, 1e6, 2e-5 }.Select(Ticks.FormatLog));
        Assert.Equal(["-0.5", "0.0", "0.5"], new[] { -0.5, 0, 0.5 }.Select(v => Ticks.Format(v, [-0.5, 0, 0.5])));
    }

    [Fact]
    public void The_legend_lies_outside_every_plot_area_and_labels_clear_the_ticks()
    {
        var figure = new Figure();
        // Curves through every corner of the plot: a legend anywhere inside would be crossed.
        var diagonal = Enumerable.Range(0, 101).Select(i => (i / 10.0 - 5, Math.Sin(i) * 1234.5)).ToArray();
        var other = diagonal.Select(p => (p.Item1, -p.Item2)).ToArray();
        figure.Panel("fits", "x", "y", [new("a long legend entry", "#111111", diagonal), new("b", "#222222", other, Dashed: true), new("points", "#333333", diagonal[..5], Markers: true)]);
        figure.Panel("curve", "iteration", "loss", [new("loss", "#444444", Enumerable.Range(1, 100).Select(i => ((double)i, 10.0 / i)).ToArray())], logY: true);
        XDocument svg = XDocument.Parse(figure.ToSvg());

        var panels = svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "panel").ToList();
        Assert.Equal(2, panels.Count);
        var svgWidth = Number(svg.Root!, "width");
        foreach (var panel in panels)
        {
            var plot = Box(Element(panel, "rect", "plot-area"));
            Assert.True(plot.Right <= svgWidth, "plot area inside the figure");
            foreach (var legend in Elements(panel, "rect", "legend-box").Select(Box))
            {
                Assert.True(legend.Left >= plot.Right + 1 || legend.Top >= plot.Bottom + 1, $"legend {legend} overlaps the plot area {plot}");
                Assert.True(legend.Right <= svgWidth, "legend inside the figure");
            }

            // Tick labels are round numbers; the rotated y label lies left of the widest y tick label (0.7 em per
            // character is a generous width for digits), and the x label's top below the x tick labels' baseline.
            var yTicks = Elements(panel, "text", "tick y-tick").ToList();
            var xTicks = Elements(panel, "text", "tick x-tick").ToList();
            Assert.True(yTicks.Count >= 3 && xTicks.Count >= 3);
            AssertRoundSteps(xTicks);
            if (panel == panels[1]) Assert.All(yTicks, t => Assert.True(IsRoundLogTick(t.Value), $"log tick '{t.Value}' is not m × 10^k"));
            else AssertRoundSteps(yTicks);
            double tickLeft = yTicks.Min(t => Number(t, "x") - 0.7 * Number(t, "font-size") * t.Value.Length);
            var yLabel = Element(panel, "text", "y-label");
            Assert.True(Number(yLabel, "x") + Number(yLabel, "font-size") / 2 < tickLeft, "y label collides with the y tick labels");
            var xLabel = Element(panel, "text", "x-label");
            Assert.True(Number(xLabel, "y") - Number(xLabel, "font-size") > xTicks.Max(t => Number(t, "y")), "x label collides with the x tick labels");
        }
        Assert.Empty(Elements(panels[1], "rect", "legend-box")); // one series: its title says what it is
        Assert.EndsWith("(log scale)", Element(panels[1], "text", "y-label").Value);
        Assert.DoesNotContain("log scale", Element(panels[0], "text", "y-label").Value);
    }

    /// <summary>Evenly spaced by 1, 2 or 5 × 10^k, each a whole multiple of the step.</summary>
    private static void AssertRoundSteps(List<XElement> ticks)
    {
        double[] values = [.. ticks.Select(t => double.Parse(t.Value, CultureInfo.InvariantCulture))];
        double step = values[1] - values[0];
        Assert.True(IsRoundLogTick(step.ToString(CultureInfo.InvariantCulture)) && IsOneTwoFive(step), $"step {step} is not 1, 2 or 5 × 10^k");
        Assert.All(values, v => Assert.Equal(Math.Round(v / step), v / step, 9));
        Assert.All(values.Zip(values.Skip(1)), p => Assert.Equal(step, p.Second - p.First, 9));
    }

    private static bool IsOneTwoFive(double step) =>
        new[] { 1.0, 2, 5 }.Any(m => Math.Abs(step / Math.Pow(10, Math.Floor(Math.Log10(step) + 1e-9)) - m) < 1e-9);

    /// <summary>m × 10^k with m a whole number (2, 40, 0.5, 0.03, 10^6).</summary>
    private static bool IsRoundLogTick(string text)
    {
        if (text.StartsWith("10^", StringComparison.Ordinal)) return int.TryParse(text[3..], CultureInfo.InvariantCulture, out _);
        double value = double.Parse(text, CultureInfo.InvariantCulture);
        if (value == 0) return true;
        double mantissa = Math.Abs(value) / Math.Pow(10, Math.Floor(Math.Log10(Math.Abs(value)) + 1e-9));
        return Math.Abs(mantissa - Math.Round(mantissa)) < 1e-9;
    }

    private static IEnumerable<XElement> Elements(XElement parent, string name, string cssClass) =>
        parent.Descendants(Svg + name).Where(e => (string?)e.Attribute("class") == cssClass);

    private static XElement Element(XElement parent, string name, string cssClass) => Assert.Single(Elements(parent, name, cssClass));

    private static double Number(XElement e, string attribute) => double.Parse((string)e.Attribute(attribute)!, CultureInfo.InvariantCulture);

    private static (double Left, double Top, double Right, double Bottom) Box(XElement rect) =>
        (Number(rect, "x"), Number(rect, "y"), Number(rect, "x") + Number(rect, "width"), Number(rect, "y") + Number(rect, "height"));
}
