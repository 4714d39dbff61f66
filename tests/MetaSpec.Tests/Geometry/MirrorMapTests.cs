using MetaSpec.Layers;
using MetaSpec.Geometry;
using MetaSpec.Models;
using MetaSpec.Tests.Support;
using MetaSpec.Tests.Tasks;
using static MetaSpec.Tests.Support.Assertions;

namespace MetaSpec.Tests.Geometry;

/// <summary>
/// The learned inverse mirror map g: its value at initialisation, its Jacobians J_g·t, J_gᵀ·v and J_θgᵀ·v
/// against central differences and against each other as dense matrices, and its triangular, increasing structure;
/// with the FiLM-style output layer (one row pair per output unit, the default) and the dense one (one per parameter).
/// </summary>
public class MirrorMapTests
{
    private static (MirrorMap<double> Map, double[] Theta, double[] Z) Perturbed(int embedding = 3, int hidden = 5, int seed = 1, bool dense = false)
    {
        var (length, blocks) = GeometryFixtures.MixedBlocks();
        var map = new MirrorMap<double>(length, blocks, embedding, hidden, denseOutput: dense);
        var theta = GeometryFixtures.PerturbedParameters(map, seed);
        return (map, theta, RandomVector(new Random(seed + 7), length));
    }

    private static double[] Image(MirrorMap<double> map, double[] theta, double[] z)
    {
        var phi = new double[map.Length];
        map.Forward(theta, z, phi, map.CreateWorkspace());
        return phi;
    }

    /// <summary>J_g(z) column by column from <see cref="MirrorMap{T}.JacobianTimes"/>.</summary>
    private static double[,] Jacobian(MirrorMap<double> map, double[] theta, double[] z)
    {
        int n = map.Length;
        var ws = map.CreateWorkspace();
        map.Forward(theta, z, new double[n], ws);
        var j = new double[n, n];
        var e = new double[n];
        var column = new double[n];
        for (int c = 0; c < n; c++)
        {
            e[c] = 1;
            map.JacobianTimes(theta, z, e, column, ws);
            e[c] = 0;
            for (int r = 0; r < n; r++) j[r, c] = column[r];
        }
        return j;
    }

    [Fact]
    public void At_initialisation_g_is_exactly_the_identity()
    {
        var (length, blocks) = GeometryFixtures.MixedBlocks();
        var map = new MirrorMap<double>(length, blocks);
        var theta = new double[map.ParameterCount];
        map.Initialize(theta, new Random(3));
        var z = RandomVector(new Random(4), length);
        Assert.Equal(z, Image(map, theta, z));
        var j = Jacobian(map, theta, z);
        for (int r = 0; r < length; r++)
            for (int c = 0; c < length; c++) Assert.Equal(r == c ? 1 : 0, j[r, c]);
        // The first decoder layers and encoders are initialised like PyTorch's (not zero), so they learn once W2 moves.
        Assert.Contains(theta, x => x != 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Jacobian_is_lower_block_triangular_with_positive_bounded_diagonal_blocks(bool dense)
    {
        var (map, theta, z) = Perturbed(dense: dense);
        var j = Jacobian(map, theta, z);
        int n = map.Length;
        var block = new int[n];
        Array.Fill(block, -1);
        for (int b = 0; b < map.Blocks.Count; b++) Array.Fill(block, b, map.Blocks[b].Offset, map.Blocks[b].Length);
        bool coupled = false;
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
            {
                if (block[r] < 0 || block[c] < 0)
                    Assert.Equal(r == c ? 1 : 0, j[r, c]); // outside the blocks g is the identity
                else if (block[c] > block[r])
                    Assert.Equal(0, j[r, c]); // a block never depends on later ones
                else if (block[c] == block[r])
                {
                    if (r == c) Assert.InRange(j[r, c], 1e-6, MirrorMap<double>.ScaleBound);
                    else Assert.Equal(0, j[r, c]); // within a block g is elementwise
                }
                else coupled |= Math.Abs(j[r, c]) > 1e-6;
            }
        Assert.True(coupled, "later blocks should depend on earlier ones");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Jacobian_times_vector_matches_finite_differences(bool dense)
    {
        var (map, theta, z) = Perturbed(dense: dense);
        var t = RandomVector(new Random(11), map.Length);
        var numeric = FiniteDifference.Directional(x => Image(map, theta, x), z, t);
        var ws = map.CreateWorkspace();
        map.Forward(theta, z, new double[map.Length], ws);
        var analytic = new double[map.Length];
        map.JacobianTimes(theta, z, t, analytic, ws);
        Close(numeric, analytic, 1e-9, "J_g·t");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Transposed_jacobians_match_finite_differences_in_z_and_in_theta(bool dense)
    {
        var (map, theta, z) = Perturbed(dense: dense);
        var v = RandomVector(new Random(12), map.Length);
        var ws = map.CreateWorkspace();
        map.Forward(theta, z, new double[map.Length], ws);
        var gz = new double[map.Length];
        var gTheta = new double[map.ParameterCount];
        map.AccumulateTranspose(theta, z, v, gz, gTheta, ws);

        Close(FiniteDifference.Gradient(x => Dot(v, Image(map, theta, x)), z), gz, 1e-9, "J_gᵀ·v");
        Close(FiniteDifference.Gradient(x => Dot(v, Image(map, x, z)), theta), gTheta, 1e-9, "J_θgᵀ·v");
        foreach (var t in map.Tensors)
            Assert.True(gTheta.Skip(t.Offset).Take(t.Length).Any(g => Math.Abs(g) > 1e-6), $"{t.Name} gets no gradient");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Transpose_is_the_transposed_dense_jacobian_and_accumulates(bool dense)
    {
        var (map, theta, z) = Perturbed(dense: dense);
        var j = Jacobian(map, theta, z);
        var r = new Random(13);
        var v = RandomVector(r, map.Length);
        var start = RandomVector(r, map.Length);
        var startTheta = RandomVector(r, map.ParameterCount);
        var ws = map.CreateWorkspace();
        map.Forward(theta, z, new double[map.Length], ws);
        var gz = (double[])start.Clone();
        var gTheta = (double[])startTheta.Clone();
        map.AccumulateTranspose(theta, z, v, gz, gTheta, ws);
        var jtv = DenseMatrix.Multiply(DenseMatrix.Transpose(j), v);
        Close(start.Zip(jtv, (a, b) => a + b).ToArray(), gz, 1e-13, "start + J_gᵀ·v");

        var once = new double[map.ParameterCount];
        map.AccumulateTranspose(theta, z, v, new double[map.Length], once, ws);
        Close(startTheta.Zip(once, (a, b) => a + b).ToArray(), gTheta, 1e-13, "start + J_θgᵀ·v");
    }

    [Fact]
    public void Single_block_map_is_an_elementwise_affine_map_of_learned_constants()
    {
        var map = new MirrorMap<double>(4, [new ParameterTensor("w", 0, [2, 2])]);
        Assert.Equal(["mirror.w.constants"], map.Tensors.Select(t => t.Name));
        Assert.Empty(map.Buffers);
        double[] theta = [0.5, -1, 0, 2, 0.1, 0.2, 0.3, 0.4]; // scale logits a, then shifts μ
        double[] z = [1, 2, 3, 4];
        var phi = Image(map, theta, z);
        for (int i = 0; i < 4; i++) Close(z[i] * 2 / (1 + Math.Exp(-theta[i])) + theta[4 + i], phi[i], 1e-15, $"φ[{i}]");
    }

    [Fact]
    public void Tensor_names_shapes_and_counts_follow_the_blocks()
    {
        var (length, blocks) = GeometryFixtures.MixedBlocks();
        var map = new MirrorMap<double>(length, blocks, embedding: 8, hidden: 32, denseOutput: true);
        Assert.Equal(
            [
                "mirror.dense.weight.constants [24]", "mirror.dense.weight.encoder.weight [8, 8]", "mirror.dense.weight.encoder.bias [8]",
                "mirror.dense.bias.decoder.0.weight [32, 8]", "mirror.dense.bias.decoder.0.bias [32]",
                "mirror.dense.bias.decoder.2.weight [6, 32]", "mirror.dense.bias.decoder.2.bias [6]",
                "mirror.dense.bias.encoder.weight [8, 8]", "mirror.dense.bias.encoder.bias [8]",
                "mirror.conv.weight.decoder.0.weight [32, 16]", "mirror.conv.weight.decoder.0.bias [32]",
                "mirror.conv.weight.decoder.2.weight [48, 32]", "mirror.conv.weight.decoder.2.bias [48]",
                "mirror.conv.weight.encoder.weight [8, 8]", "mirror.conv.weight.encoder.bias [8]",
                "mirror.bn.weight.decoder.0.weight [32, 24]", "mirror.bn.weight.decoder.0.bias [32]",
                "mirror.bn.weight.decoder.2.weight [4, 32]", "mirror.bn.weight.decoder.2.bias [4]",
            ],
            map.Tensors.Select(t => $"{t.Name} {GeometryBlocks.Format(t.Dimensions)}"));
        Assert.Equal(map.ParameterCount, map.Tensors.Aggregate(0, (at, t) => t.Offset == at ? at + t.Length : -1));
        // FiLM-style: one output row pair per output unit (d₀), the bias still per parameter.
        var film = new MirrorMap<double>(length, blocks, embedding: 8, hidden: 32);
        Assert.Equal(["[6, 32]", "[4, 32]", "[4, 32]"], film.Tensors.Where(t => t.Name.EndsWith("decoder.2.weight", StringComparison.Ordinal)).Select(t => GeometryBlocks.Format(t.Dimensions)));
        Assert.Equal(map.ParameterCount - 32 * (48 - 4), film.ParameterCount);
        Assert.Equal(["mirror.dense.weight.projection", "mirror.dense.bias.projection", "mirror.conv.weight.projection"], map.Buffers.Select(t => t.Name));
        // The projections are ±1/√|B| and depend only on the seed and the block.
        var again = new MirrorMap<double>(length, blocks);
        for (int b = 0; b < 3; b++)
        {
            Assert.True(map.Projection(b).SequenceEqual(again.Projection(b)));
            Assert.All(map.Projection(b).ToArray(), x => Assert.Equal(1 / Math.Sqrt(blocks[b].Length), Math.Abs(x), 15));
        }
        Assert.False(map.Projection(0).SequenceEqual(new MirrorMap<double>(length, blocks, projectionSeed: 5).Projection(0)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Calls_allocate_nothing(bool dense)
    {
        var (map, theta, z) = Perturbed(embedding: 8, hidden: 32, dense: dense);
        var ws = map.CreateWorkspace();
        var phi = new double[map.Length];
        var v = RandomVector(new Random(14), map.Length);
        var gz = new double[map.Length];
        var gTheta = new double[map.ParameterCount];
        long bytes = Allocations.Measure(() =>
        {
            map.Forward(theta, z, phi, ws);
            map.AccumulateTranspose(theta, z, v, gz, gTheta, ws);
            map.JacobianTimes(theta, z, v, phi, ws);
        });
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Float_map_agrees_with_double()
    {
        var (length, blocks) = GeometryFixtures.MixedBlocks();
        var (md, theta, z) = Perturbed();
        var mf = new MirrorMap<float>(length, blocks, md.Embedding, md.Hidden);
        float[] F(double[] x) => x.Select(v => (float)v).ToArray();
        var phi = new float[length];
        mf.Forward(F(theta), F(z), phi, mf.CreateWorkspace());
        Close(Image(md, theta, z), phi.Select(x => (double)x).ToArray(), 1e-5, "float g(z)");
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_the_problem_named()
    {
        var (map, theta, z) = Perturbed();
        var other = new MirrorMap<double>(map.Length, map.Blocks, embedding: 2, hidden: 5);
        Assert.Contains("another mirror map",
            Assert.Throws<ArgumentException>(() => map.Forward(theta, z, new double[map.Length], other.CreateWorkspace())).Message);
        Assert.Contains("overlap", Assert.Throws<ArgumentException>(() => map.Forward(theta, z, z, map.CreateWorkspace())).Message);
        Assert.Contains("must hold", Assert.Throws<ArgumentException>(() => map.Forward(theta[1..], z, new double[map.Length], map.CreateWorkspace())).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MirrorMap<double>(map.Length, map.Blocks, embedding: 0));
    }
}
