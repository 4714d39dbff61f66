using System.Numerics;
using MetaSpec.Tasks;

namespace MetaSpec.Theory;

/// <summary>
/// Mixed linear regression: each task is a coefficient vector a ~ N(μ, s²I) and its samples are
/// y = Φ(x)·a + σε with x ~ U[low, high] and ε ~ N(0, 1). The model sees the features Φ(x), not x, so a
/// linear model over features is a dense layer with d inputs, one output and no bias, and the tasks' losses
/// are exact quadratics in its weights: the setting of the closed-form MAML solutions (w_MAML(α), α*).
/// </summary>
/// <remarks>
/// <para>Descriptor: a (d values), rounded to <typeparamref name="T"/>. Targets are the dot product of the
/// stored features with the descriptor, accumulated in double in feature order and rounded to
/// <typeparamref name="T"/> once, plus noise when σ &gt; 0.</para>
/// <para>The instance is immutable: several threads may fill tasks at once, each with its own
/// <see cref="Random"/> and <see cref="TaskData{T}"/>. Sampling allocates nothing.</para>
/// </remarks>
public sealed class LinearRegressionTasks<T> : ITaskDistribution<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double[] coefficientMean;
    private readonly double[] rbfCentres;

    /// <summary>Tasks over <paramref name="features"/> basis functions of a scalar input.</summary>
    /// <param name="basis">The feature map.</param>
    /// <param name="features">d, the number of features (and coefficients).</param>
    /// <param name="supportShots">Support samples per task.</param>
    /// <param name="queryShots">Query samples per task.</param>
    /// <param name="inputLow">Lower end of the input interval.</param>
    /// <param name="inputHigh">Upper end of the input interval.</param>
    /// <param name="noiseStandardDeviation">σ of the Gaussian noise added to every target; 0 for exact targets.</param>
    /// <param name="coefficientMean">μ, the mean of a (d values); zero when omitted.</param>
    /// <param name="coefficientScale">s, the standard deviation of each coefficient around its mean.</param>
    /// <param name="rbfWidth">w for <see cref="FeatureBasis.GaussianRbf"/>; the spacing of the centres when
    /// omitted. Must be omitted for <see cref="FeatureBasis.Polynomial"/>.</param>
    public LinearRegressionTasks(
        FeatureBasis basis,
        int features,
        int supportShots,
        int queryShots,
        double inputLow = -1,
        double inputHigh = 1,
        double noiseStandardDeviation = 0,
        double[]? coefficientMean = null,
        double coefficientScale = 1,
        double? rbfWidth = null)
    {
        if (!Enum.IsDefined(basis)) throw new ArgumentOutOfRangeException(nameof(basis), basis, "Unknown feature basis.");
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(supportShots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(queryShots, 1);
        if (!double.IsFinite(inputLow) || !double.IsFinite(inputHigh) || !(inputLow < inputHigh))
            throw new ArgumentException($"The input interval must be finite with low < high, got [{inputLow}, {inputHigh}].", nameof(inputHigh));
        if (!double.IsFinite(noiseStandardDeviation) || noiseStandardDeviation < 0)
            throw new ArgumentOutOfRangeException(nameof(noiseStandardDeviation), noiseStandardDeviation, "The noise standard deviation must be finite and non-negative.");
        if (!double.IsFinite(coefficientScale) || coefficientScale < 0)
            throw new ArgumentOutOfRangeException(nameof(coefficientScale), coefficientScale, "The coefficient scale must be finite and non-negative.");
        if (coefficientMean is not null)
        {
            Guard.Length(coefficientMean.Length, features, nameof(coefficientMean));
            Guard.Finite<double>(coefficientMean, nameof(coefficientMean));
        }

        Basis = basis;
        Features = features;
        SupportShots = supportShots;
        QueryShots = queryShots;
        InputLow = inputLow;
        InputHigh = inputHigh;
        NoiseStandardDeviation = noiseStandardDeviation;
        CoefficientScale = coefficientScale;
        this.coefficientMean = coefficientMean is null ? new double[features] : (double[])coefficientMean.Clone();

        if (basis == FeatureBasis.Polynomial)
        {
            if (rbfWidth is not null)
                throw new ArgumentException("A width applies to the Gaussian RBF basis only.", nameof(rbfWidth));
            rbfCentres = [];
        }
        else
        {
            rbfCentres = new double[features];
            double spacing = features == 1 ? inputHigh - inputLow : (inputHigh - inputLow) / (features - 1);
            for (int j = 0; j < features; j++)
                rbfCentres[j] = features == 1 ? 0.5 * (inputLow + inputHigh) : inputLow + j * spacing;
            double width = rbfWidth ?? spacing;
            if (!double.IsFinite(width) || width <= 0)
                throw new ArgumentOutOfRangeException(nameof(rbfWidth), width, "The RBF width must be finite and positive.");
            RbfWidth = width;
        }
    }

    /// <summary>The feature map.</summary>
    public FeatureBasis Basis { get; }

    /// <summary>d: features per input and coefficients per task.</summary>
    public int Features { get; }

    /// <summary>Support samples per task.</summary>
    public int SupportShots { get; }

    /// <summary>Query samples per task.</summary>
    public int QueryShots { get; }

    /// <summary>Lower end of the input interval.</summary>
    public double InputLow { get; }

    /// <summary>Upper end of the input interval.</summary>
    public double InputHigh { get; }

    /// <summary>σ of the target noise.</summary>
    public double NoiseStandardDeviation { get; }

    /// <summary>s: standard deviation of each coefficient around its mean.</summary>
    public double CoefficientScale { get; }

    /// <summary>μ: the mean of the coefficients.</summary>
    public ReadOnlySpan<double> CoefficientMean => coefficientMean;

    /// <summary>The RBF centres (empty for the polynomial basis).</summary>
    public ReadOnlySpan<double> RbfCentres => rbfCentres;

    /// <summary>The RBF width w (0 for the polynomial basis).</summary>
    public double RbfWidth { get; }

    /// <summary>The features: d values per sample.</summary>
    public Shape InputShape => Shape.Vector(Features);

    /// <inheritdoc/>
    public int TargetSize => 1;

    /// <inheritdoc/>
    public int SupportCount => SupportShots;

    /// <inheritdoc/>
    public int QueryCount => QueryShots;

    /// <summary>d: the coefficients a.</summary>
    public int DescriptorLength => Features;

    /// <summary>The j-th feature of input <paramref name="x"/>, in double precision.</summary>
    public double Feature(int j, double x) => Basis == FeatureBasis.Polynomial
        ? Math.Pow(x, j)
        : Math.Exp(-(x - rbfCentres[j]) * (x - rbfCentres[j]) / (2 * RbfWidth * RbfWidth));

    /// <summary>Writes Φ(<paramref name="x"/>), rounded to <typeparamref name="T"/>, into <paramref name="features"/>.</summary>
    public void ComputeFeatures(double x, Span<T> features)
    {
        Guard.Length(features.Length, Features, nameof(features));
        for (int j = 0; j < features.Length; j++) features[j] = T.CreateTruncating(Feature(j, x));
    }

    /// <summary>The noise-free target Φ(x)·a of the task described by <paramref name="descriptor"/> (a), e.g. to plot it.</summary>
    public T Evaluate(ReadOnlySpan<double> descriptor, double x)
    {
        Guard.Length(descriptor.Length, Features, nameof(descriptor));
        double y = 0;
        for (int j = 0; j < Features; j++) y += double.CreateTruncating(T.CreateTruncating(Feature(j, x))) * descriptor[j];
        return T.CreateTruncating(y);
    }

    /// <inheritdoc/>
    public void Sample(Random random, TaskData<T> task)
    {
        ArgumentNullException.ThrowIfNull(random);
        TaskDataChecks.ShapedFor(task, this);
        Span<double> coefficients = task.Descriptor;
        for (int j = 0; j < coefficients.Length; j++)
        {
            double a = coefficientMean[j] + CoefficientScale * Sampling.StandardNormal(random);
            coefficients[j] = double.CreateTruncating(T.CreateTruncating(a));
        }
        Fill(random, coefficients, task.SupportInputs, task.SupportTargets);
        Fill(random, coefficients, task.QueryInputs, task.QueryTargets);
    }

    /// <inheritdoc/>
    public void ResampleSupport(Random random, TaskData<T> task)
    {
        ArgumentNullException.ThrowIfNull(random);
        TaskDataChecks.ShapedFor(task, this);
        Fill(random, task.Descriptor, task.SupportInputs, task.SupportTargets);
    }

    private void Fill(Random random, ReadOnlySpan<double> coefficients, Span<T> inputs, Span<T> targets)
    {
        int d = Features;
        for (int i = 0; i < targets.Length; i++)
        {
            double x = Sampling.Uniform(random, InputLow, InputHigh);
            Span<T> phi = inputs.Slice(i * d, d);
            double y = 0;
            for (int j = 0; j < d; j++)
            {
                phi[j] = T.CreateTruncating(Feature(j, x));
                y += double.CreateTruncating(phi[j]) * coefficients[j];
            }
            if (NoiseStandardDeviation > 0) y += NoiseStandardDeviation * Sampling.StandardNormal(random);
            targets[i] = T.CreateTruncating(y);
        }
    }
}
