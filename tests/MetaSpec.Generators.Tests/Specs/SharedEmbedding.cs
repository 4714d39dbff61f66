using MetaSpec;

namespace MetaSpec.Generators.Tests.Specs;

/// <summary>A shared embedding (meta-learned) with a linear head re-solved per task.</summary>
[MetaModel(1)]
public partial class EmbeddingNet
{
    Dense embedding = new(32, Activation.Tanh);
    [Adapt] Dense head = new(1);
}

/// <summary>
/// Bilevel optimisation with a shared embedding: the head starts from zero for every task and is solved with
/// a ridge term; the embedding's hypergradient comes from evolution strategies (ESJ, Hessian-free).
/// </summary>
[MetaLearner(typeof(EmbeddingNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 10, StepSize = 0.1, Proximal = 0.1, ResetAdaptedToZero = true)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 4, ClipGradientNorm = 10)]
[Hypergradient(HypergradientKind.EvolutionStrategies, Directions = 8, Smoothing = 0.01)]
public partial class SineSharedEmbedding;
