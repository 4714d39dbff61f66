namespace MetaSpec.Specification;

/// <summary>The kinds of valid range a numeric spec setting has.</summary>
internal enum SettingRange
{
    /// <summary>A count: at least 1.</summary>
    AtLeastOne,

    /// <summary>Positive and finite.</summary>
    Positive,

    /// <summary>Non-negative and finite.</summary>
    NonNegative,

    /// <summary>In [0, 1).</summary>
    UnitInterval,
}

/// <summary>One numeric setting's valid range and how to say it; <see cref="Accepts"/> is the check everyone runs.</summary>
internal sealed class SettingRule
{
    public SettingRule(string name, SettingRange range, string requirement)
    {
        Name = name;
        Range = range;
        Requirement = requirement;
    }

    /// <summary>The setting's name as the attribute and the runtime record spell it.</summary>
    public string Name { get; }

    public SettingRange Range { get; }

    /// <summary>What the value must be, for messages: "positive and finite".</summary>
    public string Requirement { get; }

    public bool Accepts(double value) => Range switch
    {
        SettingRange.AtLeastOne => value >= 1,
        SettingRange.Positive => value > 0 && !double.IsInfinity(value),
        SettingRange.NonNegative => value >= 0 && !double.IsInfinity(value),
        _ => value >= 0 && value < 1,
    };

    /// <summary>The runtime's check: throws <see cref="System.ArgumentOutOfRangeException"/> naming the setting when the value is out of range.</summary>
    public void Validate(double value)
    {
        if (!Accepts(value)) throw new System.ArgumentOutOfRangeException(Name, value, Describe(value) + ".");
    }

    /// <summary>"StepSize is NaN: it must be positive and finite" (MSPEC007's message and the runtime's exception).</summary>
    public string Describe(double value) => $"{Name} is {Format(value)}: it must be {Requirement}";

    /// <summary>Round-trip text under the invariant culture: what the user wrote reads back as itself.</summary>
    public static string Format(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// The valid range of every numeric spec setting: the analyzers' MSPEC007, InnerLoop.Validate,
/// Hypergradient.Validate, the trainer options and the optimisers check the same rule.
/// </summary>
internal static class SettingRules
{
    private const string PositiveAndFinite = "positive and finite";
    private const string AtLeastOne = "at least 1";

    public static readonly SettingRule Steps = new(nameof(Steps), SettingRange.AtLeastOne, AtLeastOne);
    public static readonly SettingRule StepSize = new(nameof(StepSize), SettingRange.Positive, PositiveAndFinite);
    public static readonly SettingRule Smoothness = new(nameof(Smoothness), SettingRange.NonNegative, "non-negative and finite (0 lets the trainer estimate it)");
    public static readonly SettingRule Proximal = new(nameof(Proximal), SettingRange.NonNegative, "non-negative and finite (0 for none)");

    public static readonly SettingRule LearningRate = new(nameof(LearningRate), SettingRange.Positive, PositiveAndFinite);
    public static readonly SettingRule TaskBatch = new(nameof(TaskBatch), SettingRange.AtLeastOne, AtLeastOne);
    public static readonly SettingRule Momentum = new(nameof(Momentum), SettingRange.UnitInterval, "in [0, 1)");
    public static readonly SettingRule ClipGradientNorm = new(nameof(ClipGradientNorm), SettingRange.NonNegative, "non-negative and finite (0 for none)");

    public static readonly SettingRule Iterations = new(nameof(Iterations), SettingRange.AtLeastOne, AtLeastOne);
    public static readonly SettingRule NeumannStep = new(nameof(NeumannStep), SettingRange.NonNegative, "non-negative and finite (0 means 1/λ)");
    public static readonly SettingRule FiniteDifferenceStep = new(nameof(FiniteDifferenceStep), SettingRange.Positive, PositiveAndFinite);
    public static readonly SettingRule Directions = new(nameof(Directions), SettingRange.AtLeastOne, AtLeastOne);
    public static readonly SettingRule Smoothing = new(nameof(Smoothing), SettingRange.Positive, PositiveAndFinite);

    public static readonly SettingRule Embedding = new(nameof(Embedding), SettingRange.AtLeastOne, AtLeastOne);
    public static readonly SettingRule Hidden = new(nameof(Hidden), SettingRange.AtLeastOne, AtLeastOne);

    /// <summary>The rule of a numeric [Geometry] setting; null for <see cref="GeometrySetting.DenseOutput"/>, a switch.</summary>
    public static SettingRule? For(GeometrySetting setting) => setting switch
    {
        GeometrySetting.Embedding => Embedding,
        GeometrySetting.Hidden => Hidden,
        _ => null,
    };

    /// <summary>The rule of a method setting; null for <see cref="MethodSetting.Solver"/>, which is an enum.</summary>
    public static SettingRule? For(MethodSetting setting) => setting switch
    {
        MethodSetting.Iterations => Iterations,
        MethodSetting.NeumannStep => NeumannStep,
        MethodSetting.FiniteDifferenceStep => FiniteDifferenceStep,
        MethodSetting.Directions => Directions,
        MethodSetting.Smoothing => Smoothing,
        _ => null,
    };
}
