namespace MetaSpec.Specification;

/// <summary>
/// The default of every spec setting, in one place: the DSL attributes, the runtime records (InnerLoop,
/// Hypergradient, TrainerOptions, the optimisers), the generator's reader and the analyzers all take them
/// from here, so a default cannot differ between what a user declares and what trains.
/// </summary>
internal static class SpecDefaults
{
    // [InnerProblem] / InnerLoop
    public const int Steps = 1;
    public const double StepSize = 0.01;
    public const double Smoothness = 0;
    public const double Proximal = 0;
    public const bool ResampleSupport = false;
    public const bool LearnStepSizes = false;
    public const bool ResetAdaptedToZero = false;

    // [OuterProblem] / TrainerOptions and the optimisers
    public const double LearningRate = 1e-3;
    public const int TaskBatch = 4;
    public const double Momentum = 0;
    public const double ClipGradientNorm = 0;

    /// <summary>c of the step-size bound α·N·L ≤ c (the analyzers' metaspec.step_size_constant, the trainer's StepSizeConstant).</summary>
    public const double StepSizeConstant = 1;

    /// <summary>Power iterations per task when the trainer estimates the smoothness L.</summary>
    public const int SmoothnessIterations = 20;

    // [Hypergradient] / Hypergradient
    public const HypergradientMethod Method = HypergradientMethod.Unrolled;
    public const LinearSolver Solver = LinearSolver.ConjugateGradient;
    public const int Iterations = 5;
    public const double NeumannStep = 0;
    public const double FiniteDifferenceStep = 1e-3;
    public const int Directions = 16;
    public const double Smoothing = 1e-2;

    // [Geometry] / StepGeometry (docs/geometry.md)
    public const StepGeometryKind Geometry = StepGeometryKind.Identity;
    public const int Embedding = 8;
    public const int Hidden = 32;
    public const bool DenseOutput = false;

    // Layer declarations
    public const double BatchNormEpsilon = 1e-5;
}
