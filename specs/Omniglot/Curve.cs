using System.Globalization;
using MetaSpec.Specs.SinusoidSpec;

namespace MetaSpec.Specs.OmniglotSpec;

/// <summary>One validation: where training stood, how long it had run, and what the held-out characters scored.</summary>
/// <param name="Iteration">Meta-iterations completed.</param>
/// <param name="Seconds">Training wall time when the iteration finished, before this validation (validations before it included).</param>
/// <param name="ValidationSeconds">How long this validation took (part of the budget, so a resumed run starts after it).</param>
/// <param name="AccuracyAfterTrainSteps">Validation accuracy after the inner steps training uses (N).</param>
/// <param name="AccuracyAfterTestSteps">Validation accuracy after the test's steps: the figure the best checkpoint is chosen by.</param>
/// <param name="HalfWidth">95% half-width of <paramref name="AccuracyAfterTestSteps"/>.</param>
/// <param name="QueryLoss">Mean query loss after adaptation over the meta-batches since the previous validation (NaN for none).</param>
/// <param name="LearningRate">The outer learning rate of the last step before this validation.</param>
public sealed record CurvePoint(long Iteration, double Seconds, double ValidationSeconds, double AccuracyAfterTrainSteps,
    double AccuracyAfterTestSteps, double HalfWidth, double QueryLoss, double LearningRate)
{
    /// <summary>Training wall time after this validation: where a run resumed from its checkpoint continues the clock.</summary>
    public double SecondsAfter => Seconds + ValidationSeconds;
}

/// <summary>
/// The learning curve of a run: a TSV (one row per validation) that is also the run's record of time and of the best
/// validation, read back by --resume, and its SVG figure (the sinusoid spec's <see cref="Figure"/>, linked).
/// </summary>
public static class Curve
{
    private const string Header = "iteration\tseconds\tvalidation_seconds\taccuracy_after_train_steps\taccuracy_after_test_steps\thalf_width_95\tquery_loss\tlearning_rate";

    /// <summary>Writes every point, atomically (a temporary file renamed over the target).</summary>
    public static void Write(string path, IReadOnlyList<CurvePoint> points)
    {
        var lines = new List<string> { Header };
        foreach (var p in points)
            lines.Add(string.Join('\t', p.Iteration.ToString(CultureInfo.InvariantCulture), N(p.Seconds, "F2"), N(p.ValidationSeconds, "F2"),
                N(p.AccuracyAfterTrainSteps, "F5"), N(p.AccuracyAfterTestSteps, "F5"), N(p.HalfWidth, "F5"), N(p.QueryLoss, "F5"), N(p.LearningRate, "R")));
        string temporary = path + ".tmp";
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The points of a curve written by <see cref="Write"/>; a file in another layout is an <see cref="InvalidDataException"/> naming it.</summary>
    public static List<CurvePoint> Read(string path)
    {
        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != Header)
            throw new InvalidDataException($"'{path}' is not a curve this program wrote (its first line should be the header '{Header}').");
        var points = new List<CurvePoint>();
        for (int i = 1; i < lines.Length; i++)
        {
            string[] f = lines[i].Split('\t');
            double[] v = new double[7];
            if (f.Length != 8 || !long.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long iteration)
                || !f.Skip(1).Select((text, k) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out v[k])).All(ok => ok))
                throw new InvalidDataException($"'{path}', line {i + 1}: expected 8 tab-separated numbers, got '{lines[i]}'.");
            points.Add(new CurvePoint(iteration, v[0], v[1], v[2], v[3], v[4], v[5], v[6]));
        }
        return points;
    }

    /// <summary>
    /// The figure: validation accuracy against wall time (after N and after the test's steps) over the whole run, the same
    /// from a tenth of the run on (where the curve's last points differ by tenths of a percent, which the first panel's
    /// range from chance hides), and the query loss.
    /// </summary>
    public static void Draw(string path, IReadOnlyList<CurvePoint> points, string title, int trainSteps, int testSteps)
    {
        var figure = new Figure();
        List<Figure.Series> Accuracy(IReadOnlyList<CurvePoint> shown)
        {
            Figure.Series Line(string label, string color, Func<CurvePoint, double> value, bool dashed) =>
                new(label, color, [.. shown.Select(p => (p.Seconds / 60, 100 * value(p)))], Markers: shown.Count <= 40, Dashed: dashed);
            var series = new List<Figure.Series> { Line($"after {testSteps} steps", "#1f77b4", p => p.AccuracyAfterTestSteps, dashed: false) };
            if (trainSteps != testSteps)
                series.Add(Line($"after {trainSteps} step{(trainSteps == 1 ? "" : "s")}", "#ff7f0e", p => p.AccuracyAfterTrainSteps, dashed: true));
            return series;
        }
        figure.Panel($"{title}: validation accuracy", "training wall time (minutes)", "accuracy (%)", Accuracy(points));
        if (Late(points) is { } late)
            figure.Panel(FormattableString.Invariant($"the same from {late[0].Seconds / 60:F1} minutes on"), "training wall time (minutes)", "accuracy (%)", Accuracy(late));
        var losses = points.Where(p => double.IsFinite(p.QueryLoss) && p.QueryLoss > 0).Select(p => (p.Seconds / 60, p.QueryLoss)).ToList();
        if (losses.Count > 0)
            figure.Panel("meta-training query loss (since the previous validation)", "training wall time (minutes)", "query loss after adaptation",
                [new Figure.Series("query loss", "#2ca02c", losses, Markers: losses.Count <= 40)], logY: true);
        figure.Save(path);
    }

    /// <summary>The points from a tenth of the run's time on, when there are at least 3 of them and the first tenth held some: the zoomed panel's.</summary>
    public static IReadOnlyList<CurvePoint>? Late(IReadOnlyList<CurvePoint> points)
    {
        if (points.Count == 0) return null;
        var late = points.Where(p => p.Seconds >= 0.1 * points[^1].Seconds && p.Iteration > 0).ToList();
        return late.Count >= 3 && late.Count < points.Count ? late : null;
    }

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
