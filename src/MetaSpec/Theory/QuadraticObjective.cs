using System.Numerics;
using MetaSpec.Layers;
using MetaSpec.Meta;

namespace MetaSpec.Theory;

/// <summary>
/// The quadratic task loss f(θ) = ½(θ − θᵢ)ᵀAᵢ(θ − θᵢ) of DESIGN §6, whose MAML fixed point has a closed form.
/// A "sample" packs the task: its d×d symmetric matrix Aᵢ (row-major) followed by its optimum θᵢ; the loss
/// averages over the samples of a set. Gradient Aᵢ(θ − θᵢ), Hessian Aᵢ.
/// </summary>
public sealed class QuadraticObjective<T>(int dimension) : IObjective<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Dimension d of θ.</summary>
    public int Dimension { get; } = dimension >= 1 ? dimension : throw new ArgumentOutOfRangeException(nameof(dimension));

    /// <inheritdoc/>
    public int ParameterCount => Dimension;

    /// <summary>θ is one tensor, <c>theta</c> [d].</summary>
    public IReadOnlyList<ParameterTensor> Tensors { get; } = [new("theta", 0, [dimension])];

    /// <inheritdoc/>
    public int InputSize => Dimension * Dimension + Dimension;

    /// <inheritdoc/>
    public int TargetSize => 1;

    /// <inheritdoc/>
    public IObjectiveEvaluator<T> CreateEvaluator(int maxBatch, bool hessianVectorProducts = true) => new Evaluator(Dimension);

    /// <inheritdoc/>
    public void Validate(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, string set)
    {
        if (inputs.IsEmpty || inputs.Length % InputSize != 0)
            throw new ArgumentException($"The {set} set must pack whole quadratic tasks of {InputSize} values, got {inputs.Length}.", set);
        if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(inputs))
            throw new ArgumentException($"The {set} set contains NaN or infinity.", set);
    }

    private sealed class Evaluator(int d) : IObjectiveEvaluator<T>
    {
        private readonly int _size = d * d + d;

        public T Loss(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets)
        {
            int count = inputs.Length / _size;
            T total = T.Zero;
            for (int s = 0; s < count; s++)
            {
                ReadOnlySpan<T> a = Matrix(inputs, s), opt = Optimum(inputs, s);
                for (int i = 0; i < d; i++)
                {
                    T row = T.Zero;
                    for (int j = 0; j < d; j++) row += a[i * d + j] * (parameters[j] - opt[j]);
                    total += (parameters[i] - opt[i]) * row;
                }
            }
            return total / T.CreateTruncating(2 * count);
        }

        public T Gradient(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, Span<T> gradient)
        {
            int count = inputs.Length / _size;
            gradient.Clear();
            T total = T.Zero, inv = T.One / T.CreateTruncating(count);
            for (int s = 0; s < count; s++)
            {
                ReadOnlySpan<T> a = Matrix(inputs, s), opt = Optimum(inputs, s);
                for (int i = 0; i < d; i++)
                {
                    T row = T.Zero;
                    for (int j = 0; j < d; j++) row += a[i * d + j] * (parameters[j] - opt[j]);
                    gradient[i] += row * inv;
                    total += (parameters[i] - opt[i]) * row;
                }
            }
            return total * inv / T.CreateTruncating(2);
        }

        public T HessianVectorProduct(ReadOnlySpan<T> parameters, ReadOnlySpan<T> direction, ReadOnlySpan<T> inputs,
            ReadOnlySpan<T> targets, Span<T> gradient, Span<T> product)
        {
            int count = inputs.Length / _size;
            product.Clear();
            T inv = T.One / T.CreateTruncating(count);
            for (int s = 0; s < count; s++)
            {
                ReadOnlySpan<T> a = Matrix(inputs, s);
                for (int i = 0; i < d; i++)
                {
                    T row = T.Zero;
                    for (int j = 0; j < d; j++) row += a[i * d + j] * direction[j];
                    product[i] += row * inv;
                }
            }
            return Gradient(parameters, inputs, targets, gradient);
        }

        private ReadOnlySpan<T> Matrix(ReadOnlySpan<T> inputs, int s) => inputs.Slice(s * _size, d * d);

        private ReadOnlySpan<T> Optimum(ReadOnlySpan<T> inputs, int s) => inputs.Slice(s * _size + d * d, d);
    }
}
