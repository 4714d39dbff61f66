using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;

namespace MetaSpec.Tests.Meta;

/// <summary>The ANIL specialisation computes the same meta-gradient as the general recursion.</summary>
public class HeadSpecializationTests
{
    private static Sequential<double> Net() => new(Shape.Vector(2),
        new("hidden", new DenseLayer<double>(2, 6)),
        new("act", new TanhLayer<double>(Shape.Vector(6))),
        new("hidden2", new DenseLayer<double>(6, 4)),
        new("act2", new SigmoidLayer<double>(Shape.Vector(4))),
        new("head", new DenseLayer<double>(4, 3)));

    public static TheoryData<string, HypergradientKind, InnerLoop> Cases => new()
    {
        { "MAML-ANIL", HypergradientKind.Unrolled, new InnerLoop { Steps = 3, StepSize = 0.4 } },
        { "proximal", HypergradientKind.Unrolled, new InnerLoop { Steps = 2, StepSize = 0.3, Proximal = 0.5 } },
        { "Meta-SGD head", HypergradientKind.Unrolled, new InnerLoop { Steps = 2, StepSize = 0.3, LearnStepSizes = true } },
        { "re-solved head (ITD)", HypergradientKind.Unrolled, new InnerLoop { Steps = 4, StepSize = 0.5, Proximal = 0.1, ResetAdaptedToZero = true } },
        { "first order", HypergradientKind.FirstOrder, new InnerLoop { Steps = 3, StepSize = 0.4 } },
        { "Reptile", HypergradientKind.Reptile, new InnerLoop { Steps = 3, StepSize = 0.4 } },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Specialized_and_general_paths_agree(string name, HypergradientKind kind, InnerLoop inner)
    {
        var net = Net();
        var method = new Hypergradient { Kind = kind };
        var special = new MetaProblem<double>(net, SoftmaxCrossEntropy<double>.Instance, inner, method, HeadMask(net));
        var general = special.With(specializeHeadOnly: false);
        var task = MetaGradientTests.ClassificationTask(21);
        var meta = special.CreateMetaParameters(net.CreateParameters(4));
        var specialWorker = special.CreateWorker(task.SupportCount, task.QueryCount);
        var generalWorker = general.CreateWorker(task.SupportCount, task.QueryCount);
        Assert.True(specialWorker.IsHeadSpecialized, name);
        Assert.False(generalWorker.IsHeadSpecialized, name);

        var a = new double[meta.Length];
        var b = new double[meta.Length];
        double lossA = specialWorker.MetaGradient(meta, task, a);
        double lossB = generalWorker.MetaGradient(meta, task, b);
        Assert.Equal(lossB, lossA, 12);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-12 * Math.Max(1, Math.Abs(b[i])), $"{name}: component {i}: {a[i]} vs {b[i]}");
        for (int j = 0; j <= inner.Steps; j++)
            Assert.Equal(generalWorker.Iterate(j).ToArray(), specialWorker.Iterate(j).ToArray(), (x, y) => Math.Abs(x - y) < 1e-12);
    }

    [Fact]
    public void Specialization_applies_only_to_a_head_suffix_with_a_supported_method()
    {
        var net = Net();
        var loss = SoftmaxCrossEntropy<double>.Instance;
        var middle = new bool[net.ParameterCount];
        var seg = net.Segment("hidden2");
        middle.AsSpan(seg.Offset, seg.Length).Fill(true);
        Assert.False(new MetaProblem<double>(net, loss, new InnerLoop(), Hypergradient.Unrolled, middle).CreateWorker(9, 9).IsHeadSpecialized);
        Assert.False(new MetaProblem<double>(net, loss, new InnerLoop { Proximal = 1 }, new Hypergradient { Kind = HypergradientKind.Implicit }, HeadMask(net))
            .CreateWorker(9, 9).IsHeadSpecialized);
        Assert.False(new MetaProblem<double>(net, loss, new InnerLoop(), Hypergradient.Unrolled).CreateWorker(9, 9).IsHeadSpecialized);
    }

    private static bool[] HeadMask(Sequential<double> net)
    {
        var mask = new bool[net.ParameterCount];
        var head = net.Segment("head");
        mask.AsSpan(head.Offset, head.Length).Fill(true);
        return mask;
    }
}
