using MetaSpec.Geometry;
using MetaSpec.Layers;
using MetaSpec.Models;

namespace MetaSpec.Tests.Geometry;

/// <summary>The meta-parameter counts of docs/geometry.md (cost notes), from the types themselves, so the table stays true.</summary>
public class GeometrySizeTests
{
    /// <summary>The sinusoid MLP: 1 → 40 → 40 → 1 with ReLU.</summary>
    private static Sequential<float> SineNet() => new(Shape.Vector(1),
        new("hidden1", new DenseLayer<float>(1, 40)), new("relu1", new ReLULayer<float>(Shape.Vector(40))),
        new("hidden2", new DenseLayer<float>(40, 40)), new("relu2", new ReLULayer<float>(Shape.Vector(40))),
        new("head", new DenseLayer<float>(40, 1)));

    /// <summary>Conv-4 on 28×28 Omniglot: 4 × [Conv 64 3×3 pad 1, BatchNorm, ReLU, MaxPool 2], Flatten, Dense.</summary>
    private static Sequential<float> Conv4(int ways)
    {
        var layers = new List<NamedLayer<float>>();
        Shape shape = Shape.Image(1, 28, 28);
        for (int i = 1; i <= 4; i++)
        {
            var conv = new Conv2dLayer<float>(shape, 64, 3, padding: 1);
            var norm = new BatchNorm2dLayer<float>(conv.OutputShape);
            var relu = new ReLULayer<float>(norm.OutputShape);
            var pool = new MaxPool2dLayer<float>(relu.OutputShape, 2);
            layers.AddRange([new($"conv{i}", conv), new($"norm{i}", norm), new($"relu{i}", relu), new($"pool{i}", pool)]);
            shape = pool.OutputShape;
        }
        var flatten = new FlattenLayer<float>(shape);
        layers.Add(new("flatten", flatten));
        layers.Add(new("classifier", new DenseLayer<float>(flatten.OutputShape.Size, ways)));
        return new Sequential<float>(Shape.Image(1, 28, 28), [.. layers]);
    }

    [Theory]
    [InlineData("sine", 1761, 6402, 9603, 15_690, 118_026, 14_080)]
    [InlineData("conv4-5", 112_261, 65_586, 82_295, 327_538, 7_413_298, 898_048)]
    [InlineData("conv4-20", 113_236, 66_336, 83_045, 331_408, 7_477_648, 905_728)]
    public void Meta_parameter_counts_are_those_of_the_cost_table(string model, int diagonal, int blockDiagonal, int kronecker, int mirror, int denseMirror,
        int projections)
    {
        var net = model switch { "sine" => SineNet(), "conv4-5" => Conv4(5), _ => Conv4(20) };
        var blocks = GeometryBlocks.Of(net);
        int p = net.ParameterCount;
        Assert.Equal(diagonal, new DiagonalPreconditioner<float>(p, blocks).ParameterCount);
        Assert.Equal(blockDiagonal, FactoredPreconditioner<float>.BlockDiagonal(p, blocks).ParameterCount);
        Assert.Equal(kronecker, FactoredPreconditioner<float>.Kronecker(p, blocks).ParameterCount);
        var map = new MirrorMap<float>(p, blocks);
        Assert.Equal(mirror, map.ParameterCount);
        Assert.Equal(denseMirror, new MirrorMap<float>(p, blocks, denseOutput: true).ParameterCount);
        Assert.Equal(projections, map.Buffers.Sum(b => b.Length));
        // The shared rule the generator emits MetaParameterCount from says the same.
        var shapes = blocks.Select(b => b.Dimensions).ToList();
        Assert.Equal(mirror, MetaSpec.Specification.GeometryRules.ParameterCount(MetaSpec.Specification.StepGeometryKind.MirrorMap, p, shapes, 8, 32, false));
        Assert.Equal(denseMirror, MetaSpec.Specification.GeometryRules.ParameterCount(MetaSpec.Specification.StepGeometryKind.MirrorMap, p, shapes, 8, 32, true));
        Assert.Equal(kronecker, MetaSpec.Specification.GeometryRules.ParameterCount(MetaSpec.Specification.StepGeometryKind.Kronecker, p, shapes, 8, 32, false));
        Assert.Equal(blockDiagonal, MetaSpec.Specification.GeometryRules.ParameterCount(MetaSpec.Specification.StepGeometryKind.BlockDiagonal, p, shapes, 8, 32, false));
    }
}
