namespace MetaSpec.Tests.Support;

/// <summary>Just enough double-precision linear algebra to evaluate the closed forms in tests.</summary>
public static class DenseMatrix
{
    public static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), k = a.GetLength(1), m = b.GetLength(1);
        var c = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += a[i, p] * b[p, j];
                c[i, j] = s;
            }
        return c;
    }

    public static double[] Multiply(double[,] a, double[] x)
    {
        var y = new double[a.GetLength(0)];
        for (int i = 0; i < y.Length; i++)
            for (int j = 0; j < x.Length; j++) y[i] += a[i, j] * x[j];
        return y;
    }

    public static double[,] Transpose(double[,] a)
    {
        var t = new double[a.GetLength(1), a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) t[j, i] = a[i, j];
        return t;
    }

    public static double[,] Identity(int n)
    {
        var m = new double[n, n];
        for (int i = 0; i < n; i++) m[i, i] = 1;
        return m;
    }

    public static double[,] Add(double[,] a, double[,] b, double scaleB = 1)
    {
        var c = (double[,])a.Clone();
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) c[i, j] += scaleB * b[i, j];
        return c;
    }

    public static double Trace(double[,] a)
    {
        double s = 0;
        for (int i = 0; i < a.GetLength(0); i++) s += a[i, i];
        return s;
    }

    /// <summary>Solves Ax = b by Gaussian elimination with partial pivoting.</summary>
    public static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (int c = 0; c < n; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(m[r, c]) > Math.Abs(m[pivot, c])) pivot = r;
            for (int j = 0; j < n; j++) (m[c, j], m[pivot, j]) = (m[pivot, j], m[c, j]);
            (x[c], x[pivot]) = (x[pivot], x[c]);
            for (int r = c + 1; r < n; r++)
            {
                double f = m[r, c] / m[c, c];
                for (int j = c; j < n; j++) m[r, j] -= f * m[c, j];
                x[r] -= f * x[c];
            }
        }
        for (int r = n - 1; r >= 0; r--)
        {
            double s = x[r];
            for (int j = r + 1; j < n; j++) s -= m[r, j] * x[j];
            x[r] = s / m[r, r];
        }
        return x;
    }

    /// <summary>A random symmetric positive definite matrix with eigenvalues in [lo, hi] (QΛQᵀ, Q from Gram–Schmidt).</summary>
    public static double[,] RandomSpd(Random r, int n, double lo, double hi)
    {
        var q = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) q[i, j] = r.NextDouble() - 0.5;
        for (int c = 0; c < n; c++)
        {
            for (int p = 0; p < c; p++)
            {
                double d = 0;
                for (int i = 0; i < n; i++) d += q[i, c] * q[i, p];
                for (int i = 0; i < n; i++) q[i, c] -= d * q[i, p];
            }
            double norm = 0;
            for (int i = 0; i < n; i++) norm += q[i, c] * q[i, c];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < n; i++) q[i, c] /= norm;
        }
        var lambda = new double[n, n];
        for (int i = 0; i < n; i++) lambda[i, i] = lo + (hi - lo) * (n == 1 ? 1 : (double)i / (n - 1));
        return Multiply(Multiply(q, lambda), Transpose(q));
    }
}
