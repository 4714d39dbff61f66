namespace MetaSpec.Tests.Support;

/// <summary>Central differences in double precision, the reference every derivative is checked against.</summary>
public static class FiniteDifference
{
    /// <summary>Step for central differences in double: truncation O(h²)≈1e-10 and rounding O(ε/h)≈1e-11 balance near here.</summary>
    public const double Step = 1e-5;

    /// <summary>∇f(x) by central differences, one coordinate at a time.</summary>
    public static double[] Gradient(Func<double[], double> f, double[] x, double h = Step)
    {
        var g = new double[x.Length];
        var probe = (double[])x.Clone();
        for (int i = 0; i < x.Length; i++)
        {
            probe[i] = x[i] + h;
            double plus = f(probe);
            probe[i] = x[i] - h;
            double minus = f(probe);
            probe[i] = x[i];
            g[i] = (plus - minus) / (2 * h);
        }
        return g;
    }

    /// <summary>The directional derivative of a vector function g along v: (g(x + hv) − g(x − hv))/(2h).</summary>
    public static double[] Directional(Func<double[], double[]> g, double[] x, double[] v, double h = Step)
    {
        var plus = g(Axpy(x, v, h));
        var minus = g(Axpy(x, v, -h));
        var d = new double[plus.Length];
        for (int i = 0; i < d.Length; i++) d[i] = (plus[i] - minus[i]) / (2 * h);
        return d;
    }

    /// <summary>The same directional derivative for a scalar function.</summary>
    public static double Directional(Func<double[], double> f, double[] x, double[] v, double h = Step) =>
        (f(Axpy(x, v, h)) - f(Axpy(x, v, -h))) / (2 * h);

    private static double[] Axpy(double[] x, double[] v, double a)
    {
        var r = new double[x.Length];
        for (int i = 0; i < r.Length; i++) r[i] = x[i] + a * v[i];
        return r;
    }
}
