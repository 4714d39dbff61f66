using System.Numerics;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Models;
using MetaSpec.Tests.Support;
using MetaSpec.Tests.Tasks;
using static MetaSpec.Tests.Support.Assertions;

namespace MetaSpec.Tests.Models;

/// <summary>A small Conv-4-style network (two blocks) checked end to end through <see cref="Sequential{T}"/>.</summary>
public class ConvNetTests
{
    private const int Batch = 3, Classes = 5;

    /// <summary>[1, 8, 8] → 2 × (Conv 3×3 pad 1 → BatchNorm → ReLU → MaxPool 2) → Flatten → Dense to 5 classes.</summary>
    private static Sequential<T> ConvNet<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var input = Shape.Image(1, 8, 8);
        var conv1 = new Conv2dLayer<T>(input, 4, 3, padding: 1);
        var bn1 = new BatchNorm2dLayer<T>(conv1.OutputShape);
        var relu1 = new ReLULayer<T>(bn1.OutputShape);
        var pool1 = new MaxPool2dLayer<T>(relu1.OutputShape, 2);
        var conv2 = new Conv2dLayer<T>(pool1.OutputShape, 6, 3, padding: 1);
        var bn2 = new BatchNorm2dLayer<T>(conv2.OutputShape);
        var relu2 = new ReLULayer<T>(bn2.OutputShape);
        var pool2 = new MaxPool2dLayer<T>(relu2.OutputShape, 2);
        var flatten = new FlattenLayer<T>(pool2.OutputShape);
        var head = new DenseLayer<T>(flatten.OutputShape.Size, Classes);
        return new Sequential<T>(input,
            new("conv1", conv1), new("bn1", bn1), new("relu1", relu1), new("pool1", pool1),
            new("conv2", conv2), new("bn2", bn2), new("relu2", relu2), new("pool2", pool2),
            new("flatten", flatten), new("head", head));
    }

    private sealed class Problem
    {
        public Sequential<double> Network { get; } = ConvNet<double>();
        public Workspace<double> Workspace { get; }
        public double[] Theta { get; }
        public double[] Inputs { get; }
        public double[] Labels { get; } = [0, 3, 4];
        public SoftmaxCrossEntropy<double> Loss => SoftmaxCrossEntropy<double>.Instance;

        public Problem()
        {
            Workspace = Network.CreateWorkspace(Batch);
            Theta = Network.CreateParameters(seed: 1);
            // Nudge BatchNorm's γ = 1, β = 0 so their derivatives are generic.
            var random = new Random(2);
            for (int i = 0; i < Theta.Length; i++) Theta[i] += 0.05 * (2 * random.NextDouble() - 1);
            Inputs = RandomVector(random, Batch * Network.InputShape.Size);
        }

        public double LossAt(double[] theta) => Network.Loss(theta, Inputs, Labels, Loss, Workspace);

        public double[] GradientAt(double[] theta)
        {
            var g = new double[theta.Length];
            Network.Gradient(theta, Inputs, Labels, Loss, g, Workspace);
            return g;
        }

        public double[] HessianTimes(double[] v)
        {
            var (g, hv) = (new double[Theta.Length], new double[Theta.Length]);
            Network.HessianVectorProduct(Theta, v, Inputs, Labels, Loss, g, hv, Workspace);
            return hv;
        }
    }

    [Fact]
    public void Gradient_matches_finite_differences_of_the_loss()
    {
        var p = new Problem();
        Assert.Equal(4 * 9 + 4 + 8 + 6 * 4 * 9 + 6 + 12 + 24 * Classes + Classes, p.Network.ParameterCount);
        Close(FiniteDifference.Gradient(p.LossAt, p.Theta), p.GradientAt(p.Theta), 1e-6, "∇L");
    }

    [Fact]
    public void Hessian_vector_products_match_differences_of_the_gradient_and_are_symmetric()
    {
        var p = new Problem();
        var random = new Random(3);
        var u = RandomVector(random, p.Theta.Length);
        var v = RandomVector(random, p.Theta.Length);
        var hu = p.HessianTimes(u);
        Close(FiniteDifference.Directional(p.GradientAt, p.Theta, u), hu, 1e-6, "Hu");

        // The gradient returned alongside the product is the plain gradient.
        var (g, hv) = (new double[p.Theta.Length], new double[p.Theta.Length]);
        double loss = p.Network.HessianVectorProduct(p.Theta, v, p.Inputs, p.Labels, p.Loss, g, hv, p.Workspace);
        Close(p.GradientAt(p.Theta), g, 1e-14, "∇L from the HVP pass");
        Close(p.LossAt(p.Theta), loss, 1e-14, "L from the HVP pass");
        Close(Dot(u, hv), Dot(v, hu), 1e-10, "uᵀHv = vᵀHu");
    }

    [Fact]
    public void Float_gradient_matches_double()
    {
        var p = new Problem();
        var network = ConvNet<float>();
        var workspace = network.CreateWorkspace(Batch);
        var gradient = new float[network.ParameterCount];
        float loss = network.Gradient(p.Theta.Select(v => (float)v).ToArray(), p.Inputs.Select(v => (float)v).ToArray(),
            p.Labels.Select(v => (float)v).ToArray(), SoftmaxCrossEntropy<float>.Instance, gradient, workspace);
        Close(p.LossAt(p.Theta), loss, 1e-5, "L");
        Close(p.GradientAt(p.Theta), gradient.Select(v => (double)v).ToArray(), 1e-4, "∇L");
    }

    [Fact]
    public void Hessian_vector_products_allocate_nothing_after_warm_up()
    {
        AssertNoAllocation<double>();
        AssertNoAllocation<float>();
    }

    private static void AssertNoAllocation<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var network = ConvNet<T>();
        var workspace = network.CreateWorkspace(Batch);
        var theta = network.CreateParameters(seed: 4);
        var random = new Random(5);
        var direction = RandomVector(random, theta.Length).Select(T.CreateTruncating).ToArray();
        var inputs = RandomVector(random, Batch * network.InputShape.Size).Select(T.CreateTruncating).ToArray();
        T[] labels = [T.Zero, T.One, T.CreateTruncating(4)];
        var (gradient, product) = (new T[theta.Length], new T[theta.Length]);
        var loss = SoftmaxCrossEntropy<T>.Instance;
        for (int i = 0; i < 3; i++) network.HessianVectorProduct(theta, direction, inputs, labels, loss, gradient, product, workspace);

        long allocated = Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 10; i++) network.HessianVectorProduct(theta, direction, inputs, labels, loss, gradient, product, workspace);
        });
        Assert.True(allocated == 0, $"{typeof(T).Name}: 10 Hessian-vector products allocated {allocated} bytes");
    }
}
