using MetaSpec.Layers;
using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Models;

namespace MetaSpec.Geometry;

/// <summary>
/// P acts on each parameter tensor G by learned square matrices along its axis groups (docs/geometry.md):
/// P(G) = G ×₀ M_output ×₁ M_input ×₂ M_spatial, where the output axis is dimension 0, the input axis dimension 1
/// and the spatial group the remaining dimensions flattened (a Conv2d weight [F, C, k, k] has factors F×F, C×C
/// and k²×k²). For a Dense weight [out, in] this is M_output·G·M_inputᵀ; a vector (bias, BatchNorm scale and
/// shift) has the output factor alone, a full matrix on it.
/// <list type="bullet">
/// <item><see cref="BlockDiagonal"/>: the output factor only (MT-net style), G ↦ M·G on the first axis.</item>
/// <item><see cref="Kronecker"/>: every factor (Meta-Curvature style), P = M_output ⊗ M_input ⊗ M_spatial per tensor.</item>
/// </list>
/// Every factor starts as the identity. θ_P holds the factors block by block, named
/// <c>geometry.{tensor}.output</c>, <c>.input</c>, <c>.spatial</c>.
/// </summary>
internal sealed class FactoredPreconditioner<T> : IPreconditioner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly string[] FactorNames = ["output", "input", "spatial"];

    private readonly ParameterTensor[] _blocks, _tensors;
    private readonly Mode[][] _modes;          // per block, per factor
    private readonly ParameterTensor[][] _factors; // per block, per factor: its tensor in θ_P
    private readonly int _maxBlock, _maxFactors;

    private FactoredPreconditioner(int length, IReadOnlyList<ParameterTensor> blocks, bool kronecker)
    {
        _blocks = GeometryBlocks.Validate(length, blocks);
        Length = length;
        IsKronecker = kronecker;
        _modes = new Mode[_blocks.Length][];
        _factors = new ParameterTensor[_blocks.Length][];
        var tensors = new List<ParameterTensor>();
        int offset = 0;
        for (int b = 0; b < _blocks.Length; b++)
        {
            var block = _blocks[b];
            _modes[b] = AxisGroups(block.Dimensions, kronecker);
            _factors[b] = new ParameterTensor[_modes[b].Length];
            for (int f = 0; f < _modes[b].Length; f++)
            {
                int n = _modes[b][f].Size;
                _factors[b][f] = new ParameterTensor($"geometry.{block.Name}.{FactorNames[f]}", offset, [n, n]);
                tensors.Add(_factors[b][f]);
                offset += n * n;
            }
            _maxBlock = Math.Max(_maxBlock, block.Length);
            _maxFactors = Math.Max(_maxFactors, _modes[b].Length);
        }
        ParameterCount = offset;
        _tensors = tensors.ToArray();
    }

    /// <summary>One learned matrix on the first axis of each tensor of <paramref name="blocks"/> (MT-net style).</summary>
    public static FactoredPreconditioner<T> BlockDiagonal(int length, IReadOnlyList<ParameterTensor> blocks) => new(length, blocks, kronecker: false);

    /// <summary>A Kronecker product of one learned matrix per axis group of each tensor (Meta-Curvature style).</summary>
    public static FactoredPreconditioner<T> Kronecker(int length, IReadOnlyList<ParameterTensor> blocks) => new(length, blocks, kronecker: true);

    /// <summary>Whether every axis group has a factor (Kronecker) or only the output axis (block diagonal).</summary>
    public bool IsKronecker { get; }

    /// <inheritdoc/>
    public int Length { get; }

    /// <inheritdoc/>
    public IReadOnlyList<ParameterTensor> Blocks => _blocks;

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public IReadOnlyList<ParameterTensor> Tensors => _tensors;

    /// <inheritdoc/>
    /// <remarks>Two tensor-sized buffers chain the factors; the θ_P gradient keeps one more partial product per extra factor.</remarks>
    public int ScratchLength => (_maxFactors + 1) * _maxBlock;

    /// <summary>The axis groups of a tensor: output (dimension 0), input (dimension 1), spatial (the rest).</summary>
    private static Mode[] AxisGroups(int[] d, bool kronecker)
    {
        int n = d.Aggregate(1, (x, y) => x * y);
        var output = new Mode(1, d[0], n / d[0]);
        if (!kronecker || d.Length == 1) return [output];
        var input = new Mode(d[0], d[1], n / (d[0] * d[1]));
        if (d.Length == 2) return [output, input];
        return [output, input, new Mode(d[0] * d[1], n / (d[0] * d[1]), 1)];
    }

    /// <inheritdoc/>
    public void Initialize(Span<T> parameters)
    {
        Guard.Length(parameters.Length, ParameterCount, nameof(parameters));
        parameters.Clear();
        foreach (var factor in _tensors)
        {
            int n = factor.Dimensions[0];
            for (int i = 0; i < n; i++) parameters[factor.Offset + i * n + i] = T.One;
        }
    }

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<T> parameters, ReadOnlySpan<T> vector, Span<T> result, Span<T> scratch)
    {
        Preconditioners.Check(this, parameters, vector, result, scratch);
        Chain(parameters, vector, result, scratch, transpose: false);
    }

    /// <inheritdoc/>
    public void ApplyTranspose(ReadOnlySpan<T> parameters, ReadOnlySpan<T> vector, Span<T> result, Span<T> scratch)
    {
        Preconditioners.Check(this, parameters, vector, result, scratch);
        Chain(parameters, vector, result, scratch, transpose: true);
    }

    /// <summary>Each block through its factors in turn (mode products commute), ping-ponging between two scratch buffers.</summary>
    private void Chain(ReadOnlySpan<T> parameters, ReadOnlySpan<T> vector, Span<T> result, Span<T> scratch, bool transpose)
    {
        GeometryBlocks.ClearOutside(_blocks, result);
        for (int b = 0; b < _blocks.Length; b++)
        {
            var block = _blocks[b];
            var modes = _modes[b];
            ReadOnlySpan<T> source = vector.Slice(block.Offset, block.Length);
            for (int f = 0; f < modes.Length; f++)
            {
                Span<T> target = f == modes.Length - 1
                    ? result.Slice(block.Offset, block.Length)
                    : scratch.Slice((f & 1) * _maxBlock, block.Length);
                modes[f].Multiply(Factor(parameters, b, f), transpose, source, target);
                source = target;
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// For P(G) = G ×₀ M₀ ×₁ M₁ ×₂ M₂ and a left vector V: ∂⟨V, P(G)⟩/∂Mₘ is the mode-m unfolding of
    /// V ×_{i&lt;m} Mᵢᵀ times that of G ×_{i&gt;m} Mᵢ, transposed. The partial products G ×_{i&gt;m} Mᵢ are built
    /// from the last factor down and kept; the left partials are built upwards as each factor's gradient is taken.
    /// </remarks>
    public void AccumulateParameterGradient(ReadOnlySpan<T> parameters, ReadOnlySpan<T> left, ReadOnlySpan<T> right, T scale,
        Span<T> parameterGradient, Span<T> scratch)
    {
        Preconditioners.Check(this, parameters, left, right, scratch, secondIsOutput: false);
        Guard.Length(parameterGradient.Length, ParameterCount, nameof(parameterGradient));
        for (int b = 0; b < _blocks.Length; b++)
        {
            var block = _blocks[b];
            var modes = _modes[b];
            int k = modes.Length, n = block.Length;
            // Scratch buffers 0 … k−2 hold the right partials G ×_{i>m} Mᵢ (m = 0 … k−2), buffers k−1 and k the left ones.
            ReadOnlySpan<T> g = right.Slice(block.Offset, n);
            for (int m = k - 2; m >= 0; m--)
            {
                ReadOnlySpan<T> source = m == k - 2 ? g : scratch.Slice((m + 1) * _maxBlock, n);
                modes[m + 1].Multiply(Factor(parameters, b, m + 1), false, source, scratch.Slice(m * _maxBlock, n));
            }
            Span<T> current = scratch.Slice((k - 1) * _maxBlock, n), other = scratch.Slice(k * _maxBlock, n);
            TensorPrimitives.Multiply(left.Slice(block.Offset, n), scale, current);
            for (int m = 0; m < k; m++)
            {
                var factor = _factors[b][m];
                ReadOnlySpan<T> partial = m == k - 1 ? g : scratch.Slice(m * _maxBlock, n);
                modes[m].AccumulateGradient(current, partial, parameterGradient.Slice(factor.Offset, factor.Length));
                if (m == k - 1) break;
                modes[m].Multiply(Factor(parameters, b, m), true, current, other);
                Span<T> swap = current;
                current = other;
                other = swap;
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// ‖A ⊗ B‖₂ = ‖A‖₂‖B‖₂ and ‖A‖₂ ≤ √(‖A‖₁‖A‖∞) (largest column and row sums of |A|), which is 1 for the identity;
    /// P is block diagonal over the tensors, so its norm is the largest block's.
    /// </remarks>
    public double NormBound(ReadOnlySpan<T> parameters)
    {
        Guard.Length(parameters.Length, ParameterCount, nameof(parameters));
        double bound = 0;
        for (int b = 0; b < _blocks.Length; b++)
        {
            double product = 1;
            for (int f = 0; f < _modes[b].Length; f++)
            {
                ReadOnlySpan<T> a = Factor(parameters, b, f);
                int n = _modes[b][f].Size;
                double rows = 0, columns = 0;
                for (int i = 0; i < n; i++)
                {
                    double row = 0, column = 0;
                    for (int j = 0; j < n; j++)
                    {
                        row += Math.Abs(double.CreateTruncating(a[i * n + j]));
                        column += Math.Abs(double.CreateTruncating(a[j * n + i]));
                    }
                    rows = Math.Max(rows, row);
                    columns = Math.Max(columns, column);
                }
                product *= Math.Sqrt(rows * columns);
            }
            bound = Math.Max(bound, product);
        }
        return bound;
    }

    private ReadOnlySpan<T> Factor(ReadOnlySpan<T> parameters, int block, int factor)
    {
        var t = _factors[block][factor];
        return parameters.Slice(t.Offset, t.Length);
    }
}
