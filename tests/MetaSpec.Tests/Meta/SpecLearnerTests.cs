using MetaSpec.IO;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Optimizers;
using static MetaSpec.Tests.Meta.TrainerTests;

namespace MetaSpec.Tests.Meta;

/// <summary>
/// The base class of generated learners, built by hand as a generated half would build it: its API is its engine's
/// (bit for bit), its checkpoints carry its name, its Load helper restores into the learner it is given, and a
/// missing engine or name is refused by name. (The generated learners themselves are tested in MetaSpec.Generators.Tests.)
/// </summary>
public sealed class SpecLearnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("metaspec-speclearner-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>What the generator emits for a learner, written by hand: the engine from the spec's objects, a typed Load.</summary>
    private sealed class HandBuilt(int seed = 0) : SpecLearner<float>(CreateEngine(seed), "Demo.HandBuilt")
    {
        public static NetworkLearner<float> CreateEngine(int seed)
        {
            var net = new Sequential<float>(Shape.Vector(1),
                new("hidden", new DenseLayer<float>(1, 8)), new("act", new ReLULayer<float>(Shape.Vector(8))), new("head", new DenseLayer<float>(8, 1)));
            var problem = MetaProblem<float>.ForNetwork(net, MeanSquaredError<float>.Instance, new InnerLoop { Steps = 2, StepSize = 0.01 }, Hypergradient.Unrolled);
            return new NetworkLearner<float>(problem, new Adam<float>(problem.MetaParameterCount, 1e-2), new TrainerOptions { TaskBatch = 3, SmoothnessIterations = 0 }, seed);
        }

        public static HandBuilt Load(string path) => Load(new HandBuilt(), path);
    }

    [Fact]
    public void Its_operations_are_its_engine_s_bit_for_bit()
    {
        var learner = new HandBuilt(seed: 5) { Warnings = null };
        var engine = HandBuilt.CreateEngine(5);
        engine.Warnings = null;
        learner.Train(new WaveTasks(), iterations: 3, threads: 1);
        engine.Train(new WaveTasks(), iterations: 3, threads: 1);

        Assert.Equal(3, learner.Iterations);
        Assert.Equal(engine.MetaParameters, learner.MetaParameters);
        Assert.Equal(engine.Parameters.ToArray(), learner.Parameters.ToArray());
        Assert.Same(learner.Engine.MetaParameters, learner.MetaParameters); // live, not a copy
        Assert.Null(learner.Engine.Warnings);

        float[] x = [0.1f, 0.5f, -0.3f, 1.2f, 0.7f], y = [0.2f, 0.4f, -0.1f, 0.9f, 0.6f];
        Assert.Equal(engine.Adapt(x, y).Parameters.ToArray(), learner.Adapt(x, y).Parameters.ToArray());
        var mine = learner.Evaluate(new WaveTasks(), taskCount: 4, steps: 2, seed: 9);
        var its = engine.Evaluate(new WaveTasks(), taskCount: 4, steps: 2, seed: 9);
        Assert.Equal(its.Loss.Select(l => l.Mean), mine.Loss.Select(l => l.Mean));
    }

    [Fact]
    public void Save_names_the_learner_and_Load_restores_into_the_given_one()
    {
        var learner = new HandBuilt(seed: 3) { Warnings = null };
        learner.Train(new WaveTasks(), iterations: 2, threads: 1);
        string path = Path.Combine(_dir, "hand.safetensors");
        learner.Save(path);

        Assert.Equal("Demo.HandBuilt", SafeTensors.Load(path).Metadata["learner"]);
        var restored = HandBuilt.Load(path);
        Assert.Equal(learner.MetaParameters, restored.MetaParameters);
        Assert.Equal(2, restored.Iterations);
        Assert.Equal(3, restored.Engine.Seed);
    }

    [Fact]
    public void A_missing_engine_or_name_is_refused_by_name()
    {
        Assert.Equal("engine", Assert.Throws<ArgumentNullException>(() => new NoEngine()).ParamName);
        Assert.Equal("name", Assert.ThrowsAny<ArgumentException>(() => new NoName()).ParamName);
    }

    private sealed class NoEngine() : SpecLearner<float>(null!, "NoEngine");

    private sealed class NoName() : SpecLearner<float>(HandBuilt.CreateEngine(0), "");
}
