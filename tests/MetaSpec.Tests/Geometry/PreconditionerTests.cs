using MetaSpec.Layers;
using MetaSpec.Geometry;
using MetaSpec.Models;
using MetaSpec.Tests.Support;
using MetaSpec.Tests.Tasks;
using static MetaSpec.Tests.Support.Assertions;

namespace MetaSpec.Tests.Geometry;

/// <summary>
/// Each preconditioner's apply, transpose and θ_P-gradient products against an explicit dense matrix and central
/// differences, on blocks of every rank with coordinates outside them (<see cref="GeometryFixtures.MixedBlocks"/>).
/// </summary>
public class PreconditionerTests
{
    public static TheoryData<string> Kinds() => new(GeometryFixtures.PreconditionerKinds);

    private static (IPreconditioner<double> P, double[] Theta) Perturbed(string kind, int seed = 1)
    {
        var (length, blocks) = GeometryFixtures.MixedBlocks();
        var p = GeometryFixtures.Preconditioner(kind, length, blocks);
        return (p, GeometryFixtures.PerturbedParameters(p, seed));
    }

    /// <summary>The matrix of P (or Pᵀ), column by column from unit vectors.</summary>
    private static double[,] Dense(IPreconditioner<double> p, double[] theta, bool transpose)
    {
        int n = p.Length;
        var m = new double[n, n];
        var e = new double[n];
        var column = new double[n];
        var scratch = new double[p.ScratchLength];
        for (int j = 0; j < n; j++)
        {
            e[j] = 1;
            if (transpose) p.ApplyTranspose(theta, e, column, scratch);
            else p.Apply(theta, e, column, scratch);
            e[j] = 0;
            for (int i = 0; i < n; i++) m[i, j] = column[i];
        }
        return m;
    }

    private static double[,] Kron(double[,] a, double[,] b)
    {
        int ra = a.GetLength(0), ca = a.GetLength(1), rb = b.GetLength(0), cb = b.GetLength(1);
        var k = new double[ra * rb, ca * cb];
        for (int i = 0; i < ra; i++)
            for (int j = 0; j < ca; j++)
                for (int p = 0; p < rb; p++)
                    for (int q = 0; q < cb; q++) k[i * rb + p, j * cb + q] = a[i, j] * b[p, q];
        return k;
    }

    private static double[,] Matrix(double[] theta, ParameterTensor factor)
    {
        int n = factor.Dimensions[0];
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) m[i, j] = theta[factor.Offset + i * n + j];
        return m;
    }

    private static void AssertMatrix(double[,] expected, double[,] actual, int rowOffset, int columnOffset, double tolerance, string what)
    {
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                Assert.True(Math.Abs(expected[i, j] - actual[rowOffset + i, columnOffset + j]) <= tolerance,
                    $"{what}[{i}, {j}]: expected {expected[i, j]:G10}, got {actual[rowOffset + i, columnOffset + j]:G10}");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Transpose_is_the_transposed_matrix_and_the_products_are_adjoint(string kind)
    {
        var (p, theta) = Perturbed(kind);
        var m = Dense(p, theta, transpose: false);
        var t = Dense(p, theta, transpose: true);
        AssertMatrix(DenseMatrix.Transpose(m), t, 0, 0, 1e-14, $"{kind} Pᵀ");

        var r = new Random(2);
        var u = RandomVector(r, p.Length);
        var v = RandomVector(r, p.Length);
        var pv = new double[p.Length];
        var ptu = new double[p.Length];
        var scratch = new double[p.ScratchLength];
        p.Apply(theta, v, pv, scratch);
        p.ApplyTranspose(theta, u, ptu, scratch);
        Close(Dot(u, pv), Dot(ptu, v), 1e-14, $"{kind}: ⟨u, Pv⟩ = ⟨Pᵀu, v⟩");
        Close(DenseMatrix.Multiply(m, v), pv, 1e-14, $"{kind}: Pv against the dense matrix");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void P_is_block_diagonal_over_the_tensors_and_zero_outside_them(string kind)
    {
        var (p, theta) = Perturbed(kind);
        var m = Dense(p, theta, transpose: false);
        var block = new int[p.Length];
        Array.Fill(block, -1);
        for (int b = 0; b < p.Blocks.Count; b++) Array.Fill(block, b, p.Blocks[b].Offset, p.Blocks[b].Length);
        for (int i = 0; i < p.Length; i++)
            for (int j = 0; j < p.Length; j++)
                if (block[i] < 0 || block[i] != block[j]) Assert.Equal(0, m[i, j]);
    }

    [Theory]
    [InlineData("block-diagonal")]
    [InlineData("kronecker")]
    public void Each_block_is_the_kronecker_product_of_its_factors(string kind)
    {
        var (p, theta) = Perturbed(kind);
        var m = Dense(p, theta, transpose: false);
        foreach (var block in p.Blocks)
        {
            var factors = p.Tensors.Where(t => t.Name.StartsWith($"geometry.{block.Name}.", StringComparison.Ordinal)).ToArray();
            Assert.Equal($"geometry.{block.Name}.output", factors[0].Name);
            // P = M_output ⊗ M_input ⊗ M_spatial for the row-major layout; the block-diagonal form is M_output ⊗ I.
            var expected = Matrix(theta, factors[0]);
            foreach (var f in factors.Skip(1)) expected = Kron(expected, Matrix(theta, f));
            int covered = expected.GetLength(0);
            if (covered < block.Length) expected = Kron(expected, DenseMatrix.Identity(block.Length / covered));
            AssertMatrix(expected, m, block.Offset, block.Offset, 1e-14, $"{kind} {block.Name}");
        }
    }

    [Fact]
    public void Diagonal_is_diag_of_its_parameters()
    {
        var (p, theta) = Perturbed("diagonal");
        var m = Dense(p, theta, transpose: false);
        foreach (var (block, tensor) in p.Blocks.Zip(p.Tensors))
            for (int i = 0; i < block.Length; i++) Assert.Equal(theta[tensor.Offset + i], m[block.Offset + i, block.Offset + i]);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Parameter_gradient_matches_finite_differences_and_accumulates_with_its_scale(string kind)
    {
        var (p, theta) = Perturbed(kind);
        var r = new Random(3);
        var u = RandomVector(r, p.Length);
        var g = RandomVector(r, p.Length);
        var pg = new double[p.Length];
        var scratch = new double[p.ScratchLength];
        double Bilinear(double[] t)
        {
            p.Apply(t, g, pg, scratch);
            return Dot(u, pg);
        }
        var numeric = FiniteDifference.Gradient(Bilinear, theta);
        var analytic = new double[p.ParameterCount];
        p.AccumulateParameterGradient(theta, u, g, 1.0, analytic, scratch);
        Close(numeric, analytic, 1e-9, $"{kind}: ∂⟨u, P g⟩/∂θ_P");

        // Added, not written: start from c, add with scales 0.5 and 1.5, get c + 2·gradient.
        var c = RandomVector(r, p.ParameterCount);
        var sum = (double[])c.Clone();
        p.AccumulateParameterGradient(theta, u, g, 0.5, sum, scratch);
        p.AccumulateParameterGradient(theta, u, g, 1.5, sum, scratch);
        Close(c.Zip(analytic, (a, b) => a + 2 * b).ToArray(), sum, 1e-13, $"{kind}: accumulation");
    }

    [Fact]
    public void Dense_weight_factor_gradients_have_their_closed_forms()
    {
        // P(G) = M_o·G·M_iᵀ on one [3, 4] weight: ∂⟨U, P(G)⟩/∂M_o = U·M_i·Gᵀ and ∂/∂M_i = Uᵀ·M_o·G.
        var p = FactoredPreconditioner<double>.Kronecker(12, [new ParameterTensor("w", 0, [3, 4])]);
        var theta = GeometryFixtures.PerturbedParameters(p, 4);
        var r = new Random(5);
        var u = RandomVector(r, 12);
        var g = RandomVector(r, 12);
        var grad = new double[p.ParameterCount];
        p.AccumulateParameterGradient(theta, u, g, 1.0, grad, new double[p.ScratchLength]);
        var (mo, mi) = (Matrix(theta, p.Tensors[0]), Matrix(theta, p.Tensors[1]));
        var (um, gm) = (Reshape(u, 3, 4), Reshape(g, 3, 4));
        var expectedOutput = DenseMatrix.Multiply(DenseMatrix.Multiply(um, mi), DenseMatrix.Transpose(gm));
        var expectedInput = DenseMatrix.Multiply(DenseMatrix.Multiply(DenseMatrix.Transpose(um), mo), gm);
        Close(Flatten(expectedOutput), grad[..9], 1e-14, "∂/∂M_output");
        Close(Flatten(expectedInput), grad[9..], 1e-14, "∂/∂M_input");

        static double[,] Reshape(double[] v, int rows, int columns)
        {
            var m = new double[rows, columns];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < columns; j++) m[i, j] = v[i * columns + j];
            return m;
        }

        static double[] Flatten(double[,] m) => m.Cast<double>().ToArray();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Initial_parameters_make_P_the_identity_on_the_blocks_with_norm_bound_one(string kind)
    {
        var (length, blocks) = GeometryFixtures.MixedBlocks();
        var p = GeometryFixtures.Preconditioner(kind, length, blocks);
        var theta = new double[p.ParameterCount];
        p.Initialize(theta);
        var m = Dense(p, theta, transpose: false);
        for (int i = 0; i < length; i++)
        {
            bool covered = blocks.Any(b => i >= b.Offset && i < b.Offset + b.Length);
            for (int j = 0; j < length; j++) Assert.Equal(i == j && covered ? 1 : 0, m[i, j]);
        }
        Assert.Equal(1, p.NormBound(theta));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Norm_bound_is_at_least_the_spectral_norm(string kind)
    {
        var (p, theta) = Perturbed(kind);
        var m = Dense(p, theta, transpose: false);
        // ‖P‖₂² is the top eigenvalue of PᵀP: power iteration from a fixed start (an estimate from below).
        var gram = DenseMatrix.Multiply(DenseMatrix.Transpose(m), m);
        var v = RandomVector(new Random(6), p.Length);
        double norm = 0;
        for (int k = 0; k < 3000; k++)
        {
            var w = DenseMatrix.Multiply(gram, v);
            double length = Math.Sqrt(Dot(w, w));
            norm = Math.Sqrt(length / Math.Sqrt(Dot(v, v)));
            v = w.Select(x => x / length).ToArray();
        }
        double bound = p.NormBound(theta);
        Assert.True(bound >= norm * (1 - 1e-9), $"{kind}: bound {bound} below ‖P‖₂ = {norm}");
        if (kind == "diagonal")
            Assert.Equal(Enumerable.Range(0, p.Length).Max(i => Math.Abs(m[i, i])), bound); // exact: the largest |pᵢ|
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Calls_allocate_nothing(string kind)
    {
        var (p, theta) = Perturbed(kind);
        var r = new Random(7);
        var u = RandomVector(r, p.Length);
        var g = RandomVector(r, p.Length);
        var result = new double[p.Length];
        var grad = new double[p.ParameterCount];
        var scratch = new double[p.ScratchLength];
        long bytes = Allocations.Measure(() =>
        {
            p.Apply(theta, g, result, scratch);
            p.ApplyTranspose(theta, u, result, scratch);
            p.AccumulateParameterGradient(theta, u, g, -0.1, grad, scratch);
        });
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Float_products_agree_with_double()
    {
        var (length, blocks) = GeometryFixtures.MixedBlocks();
        var pd = FactoredPreconditioner<double>.Kronecker(length, blocks);
        var pf = FactoredPreconditioner<float>.Kronecker(length, blocks);
        var theta = GeometryFixtures.PerturbedParameters(pd, 8);
        var r = new Random(9);
        var u = RandomVector(r, length);
        var g = RandomVector(r, length);
        var (rd, gd) = (new double[length], new double[pd.ParameterCount]);
        var (rf, gf) = (new float[length], new float[pf.ParameterCount]);
        pd.Apply(theta, g, rd, new double[pd.ScratchLength]);
        pd.AccumulateParameterGradient(theta, u, g, 1.0, gd, new double[pd.ScratchLength]);
        float[] F(double[] x) => x.Select(v => (float)v).ToArray();
        pf.Apply(F(theta), F(g), rf, new float[pf.ScratchLength]);
        pf.AccumulateParameterGradient(F(theta), F(u), F(g), 1f, gf, new float[pf.ScratchLength]);
        Close(rd, rf.Select(x => (double)x).ToArray(), 1e-5, "float P·g");
        Close(gd, gf.Select(x => (double)x).ToArray(), 1e-5, "float θ_P gradient");
    }

    [Fact]
    public void Tensor_names_and_shapes_follow_the_blocks()
    {
        var (length, blocks) = GeometryFixtures.MixedBlocks();
        var kron = FactoredPreconditioner<double>.Kronecker(length, blocks);
        Assert.Equal(
            [
                "geometry.dense.weight.output [3, 3]", "geometry.dense.weight.input [4, 4]", "geometry.dense.bias.output [3, 3]",
                "geometry.conv.weight.output [2, 2]", "geometry.conv.weight.input [3, 3]", "geometry.conv.weight.spatial [4, 4]",
                "geometry.bn.weight.output [2, 2]",
            ],
            kron.Tensors.Select(t => $"{t.Name} {GeometryBlocks.Format(t.Dimensions)}"));
        Assert.Equal(9 + 16 + 9 + 4 + 9 + 16 + 4, kron.ParameterCount);
        var block = FactoredPreconditioner<double>.BlockDiagonal(length, blocks);
        Assert.Equal(["geometry.dense.weight.output", "geometry.dense.bias.output", "geometry.conv.weight.output", "geometry.bn.weight.output"],
            block.Tensors.Select(t => t.Name));
        var diagonal = new DiagonalPreconditioner<double>(length, blocks);
        Assert.Equal(["geometry.dense.weight.scale", "geometry.dense.bias.scale", "geometry.conv.weight.scale", "geometry.bn.weight.scale"],
            diagonal.Tensors.Select(t => t.Name));
        Assert.Equal(12 + 3 + 24 + 2, diagonal.ParameterCount);
        // Offsets tile θ_P without gaps.
        foreach (var p in new IPreconditioner<double>[] { kron, block, diagonal })
            Assert.Equal(p.ParameterCount, p.Tensors.Aggregate(0, (at, t) => t.Offset == at ? at + t.Length : -1));
    }

    [Fact]
    public void Bad_blocks_and_buffers_are_rejected_with_the_problem_named()
    {
        ArgumentException Throws(Action a) => Assert.ThrowsAny<ArgumentException>(a);
        Assert.Contains("inside the previous block",
            Throws(() => FactoredPreconditioner<double>.Kronecker(20, [new("a", 0, [3, 4]), new("b", 10, [3])])).Message);
        Assert.Contains("beyond θ's 12 values",
            Throws(() => FactoredPreconditioner<double>.Kronecker(12, [new("a", 2, [3, 4])])).Message);
        Assert.Contains("at least one parameter tensor", Throws(() => new DiagonalPreconditioner<double>(5, [])).Message);
        Assert.Contains("'a'", Throws(() => new IdentityPreconditioner<double>(9, [new("a", 0, [2]), new("a", 2, [2])])).Message);
        Assert.Contains("every dimension", Throws(() => FactoredPreconditioner<double>.BlockDiagonal(9, [new("a", 0, [0, 2])])).Message);

        var (p, theta) = Perturbed("kronecker");
        var v = new double[p.Length];
        Assert.Contains("must hold", Throws(() => p.Apply(theta, v, new double[p.Length - 1], new double[p.ScratchLength])).Message);
        Assert.Contains("scratch", Throws(() => p.Apply(theta, v, new double[p.Length], new double[p.ScratchLength - 1])).Message);
        Assert.Contains("overlap", Throws(() => p.Apply(theta, v, v, new double[p.ScratchLength])).Message);
        Assert.Contains("parameters", Throws(() => p.Apply(theta[1..], v, new double[p.Length], new double[p.ScratchLength])).Message);
    }

    [Fact]
    public void Blocks_of_a_network_are_its_tensors_or_those_of_the_adapted_layers()
    {
        var net = GeometryFixtures.ConvNet();
        Assert.Equal(net.Tensors, GeometryBlocks.Of(net));
        Assert.Equal(["head.weight", "head.bias"], GeometryBlocks.Of(net, "head").Select(t => t.Name));
        Assert.Equal(["conv.weight", "conv.bias", "head.weight", "head.bias"], GeometryBlocks.Of(net, "conv", "head").Select(t => t.Name));
        Assert.Contains("no parameters", Assert.Throws<ArgumentException>(() => GeometryBlocks.Of(net, "act")).Message);
        Assert.Contains("No layer is named 'nope'", Assert.Throws<ArgumentException>(() => GeometryBlocks.Of(net, "nope")).Message);
    }
}
