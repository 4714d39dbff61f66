namespace MetaSpec.Specification;

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

    /// <summary>The model's layers hold no parameters (only Flatten or MaxPool2d). Arguments: model.</summary>
    NoParameters,

    /// <summary>A layer field is named like the activation layer generated after another one. Arguments: field, layer, activation.</summary>
    ActivationNameClash,

    /// <summary>Two layer fields give the same Layout constants (<c>head</c> and <c>_head</c>). Arguments: field, other field, constant.</summary>
    LayoutNameClash,

    /// <summary>
    /// A spec class declares a member MetaSpec gives it (generated, or inherited from the learner base class). Arguments:
    /// class, member, kind ("model" or "meta-learner"), where the member comes from.
    /// </summary>
    GeneratedMemberClash,

    /// <summary>One class carries both [MetaModel] and [MetaLearner]. Arguments: class.</summary>
    ModelAndLearner,

    /// <summary>A [MetaLearner] class is static, abstract, a record or a struct, or has a base class of its own. Arguments: class, reason.</summary>
    NotPlainLearnerClass,
}

/// <summary>A problem found while reading a spec, with the values its message needs and where to point.</summary>
internal sealed record SpecProblem(SpecProblemKind Kind, EquatableArray<string> Arguments, LocationInfo? Location)
{
    public static SpecProblem Of(SpecProblemKind kind, LocationInfo? location, params string[] arguments) =>
        new(kind, new EquatableArray<string>(arguments), location);
}
