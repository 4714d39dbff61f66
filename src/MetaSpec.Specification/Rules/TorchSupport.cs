namespace MetaSpec.Specification;

/// <summary>
/// What the torch backend (MetaSpec.Torch) can run, by the spec's values: the generator emits a torch learner only for
/// a spec it accepts, and the analyzers' MSPEC018 says why a spec gets none. The reasons are the ones MetaSpec.Torch's
/// ManagedBridge and TorchMetaSettings.Validate throw at run time (the torch tests check that the runtime refuses the specs
/// refused here and accepts the others).
/// </summary>
internal static class TorchSupport
{
    /// <summary>The torch backend's assembly: a compilation that references it targets torch.</summary>
    public const string AssemblyName = "MetaSpec.Torch";

    /// <summary>
    /// Why the torch backend cannot run a learner with these settings; null when it can. <paramref name="geometry"/> is the
    /// step's geometry with LearnStepSizes folded in (the diagonal one); null values are casts to no member.
    /// </summary>
    public static string? WhyNot(HypergradientMethod? method, StepGeometryKind? geometry, bool resampleSupport, TaskLoss? loss, OuterOptimizer? optimizer)
    {
        if (method is not { } m) return "its hypergradient method is a value MetaSpec does not know";
        if (m is HypergradientMethod.HessianFree or HypergradientMethod.EvolutionStrategies)
            return $"the torch backend computes the Unrolled, FirstOrder, Reptile and Implicit hypergradients, not {m}";
        if (geometry is not { } g) return "its step geometry is a value MetaSpec does not know";
        if (g is not (StepGeometryKind.Identity or StepGeometryKind.Diagonal))
            return $"the torch backend has no {g} geometry (it takes the plain step and Meta-SGD's learned step sizes)";
        if (g == StepGeometryKind.Diagonal && m != HypergradientMethod.Unrolled)
            return $"the torch backend learns step sizes (Meta-SGD) only with Unrolled, not {m}";
        if (resampleSupport) return "the torch backend does not resample the support set at every inner step (ResampleSupport)";
        if (loss is null) return "its loss is a value MetaSpec does not know";
        if (optimizer is null) return "its outer optimiser is a value MetaSpec does not know";
        return null;
    }

    /// <summary>The message of MSPEC018: {0} the learner, {1} the reason.</summary>
    public const string NotGeneratedFormat =
        "No torch learner is generated for '{0}': {1}; train it with the managed engine, or change the spec to what the torch backend computes";
}
