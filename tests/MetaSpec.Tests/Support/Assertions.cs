namespace MetaSpec.Tests.Support;

public static class Assertions
{
    /// <summary>
    /// Asserts |actual − expected|∞ ≤ tolerance·max(1, |expected|∞): relative to the vector's scale,
    /// so one tolerance serves gradients of any magnitude.
    /// </summary>
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1, worst = 0;
        int worstIndex = -1;
        foreach (double e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.False(double.IsNaN(actual[i]), $"{what}[{i}] is NaN");
            double err = Math.Abs(actual[i] - expected[i]);
            if (err > worst) (worst, worstIndex) = (err, i);
        }
        Assert.True(worst <= tolerance * scale,
            $"{what}: worst error {worst:E3} at index {worstIndex} (expected {(worstIndex >= 0 ? expected[worstIndex] : 0):G6}, got {(worstIndex >= 0 ? actual[worstIndex] : 0):G6}), allowed {tolerance * scale:E3}");
    }

    public static void Close(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Max(1, Math.Abs(expected)),
            $"{what}: expected {expected:G10}, got {actual:G10}");

    public static double[] RandomVector(Random random, int n, double scale = 1)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = scale * (2 * random.NextDouble() - 1);
        return v;
    }

    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
