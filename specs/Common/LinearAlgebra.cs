namespace MetaSpec.Specs;

/// <summary>The little dense linear algebra the closed-form specs need.</summary>
internal static class LinearAlgebra
{
    /// <summary>Solves the d×d system (row-major) by Gaussian elimination with partial pivoting, for the closed forms the specs print.</summary>
    public static double[] Solve(double[] matrix, double[] vector, int d)
    {
        var a = (double[])matrix.Clone();
        var b = (double[])vector.Clone();
        for (int col = 0; col < d; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < d; r++) if (Math.Abs(a[r * d + col]) > Math.Abs(a[pivot * d + col])) pivot = r;
            if (pivot != col)
            {
                for (int c = 0; c < d; c++) (a[col * d + c], a[pivot * d + c]) = (a[pivot * d + c], a[col * d + c]);
                (b[col], b[pivot]) = (b[pivot], b[col]);
            }
            for (int r = col + 1; r < d; r++)
            {
                double f = a[r * d + col] / a[col * d + col];
                for (int c = col; c < d; c++) a[r * d + c] -= f * a[col * d + c];
                b[r] -= f * b[col];
            }
        }
        var x = new double[d];
        for (int r = d - 1; r >= 0; r--)
        {
            double s = b[r];
            for (int c = r + 1; c < d; c++) s -= a[r * d + c] * x[c];
            x[r] = s / a[r * d + r];
        }
        return x;
    }
}
