namespace MetaSpec.Generators.Spec;

/// <summary>What can keep a spec from being read; the generator and the analyzers each map these to their own diagnostics.</summary>
internal enum SpecProblemKind
{
    /// <summary>A spec class (or a type containing it) is not partial, or is generic.</summary>
    NotPartial,

    /// <summary>A layer argument is not a compile-time constant. Arguments: layer, parameter.</summary>
    NonConstantLayerArgument,

    /// <summary>An instance field's type is not a layer declaration. Arguments: field, type.</summary>
    UnknownLayerType,

    /// <summary>A layer field is not initialised with <c>new(...)</c>. Arguments: field, type.</summary>
    LayerNotCreated,

    /// <summary>The model's layers cannot be laid out (bad input shape, shapes that do not chain, no layers). Arguments: model, reason.</summary>
    InvalidLayout,

    /// <summary>[MetaLearner]'s model is not a [MetaModel] class. Arguments: learner, model.</summary>
    InvalidModel,

    /// <summary>The learner lacks [InnerProblem]. Arguments: learner.</summary>
    MissingInnerProblem,

    /// <summary>The learner lacks [OuterProblem]. Arguments: learner.</summary>
    MissingOuterProblem,
}

/// <summary>A problem found while reading a spec, with the values its message needs and where to point.</summary>
internal sealed record SpecProblem(SpecProblemKind Kind, EquatableArray<string> Arguments, LocationInfo? Location)
{
    public static SpecProblem Of(SpecProblemKind kind, LocationInfo? location, params string[] arguments) =>
        new(kind, new EquatableArray<string>(arguments), location);
}
