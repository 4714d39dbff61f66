using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Meta;

namespace MetaSpec.Engine;

/// <summary>
/// Implicit differentiation at φ = θ_N (iMAML; AID for a re-solved head). With q = ∇L_Q(φ), solve
/// (M∇²L_S(φ)M + λI)w = M⊙q on the adapted subset by conjugate gradient or a truncated Neumann series; then
/// ∇θ_M = λw (the proximal anchor's sensitivity) and ∇θ_rest = q_rest − (∇²L_S(φ)·w)_rest, the mixed second
/// derivative through the subset.
/// </summary>
internal sealed class ImplicitHypergradient<T> : HypergradientMethod<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Hypergradient _settings;
    private readonly double _neumannStep;
    private readonly HessianProduct<T> _hessian;
    private readonly T[] _queryGradient;     // q
    private readonly T[] _rightHandSide;     // M⊙q
    private readonly T[] _solution;          // w
    private readonly T[] _residual;          // CG: r
    private readonly T[] _searchDirection;   // CG: p; Neumann: the series' current term
    private readonly T[] _operatorResult;    // (M∇²L_S M + λI)·x
    private readonly T[] _hessianProduct;    // ∇²L_S(φ)·x

    public ImplicitHypergradient(Hypergradient settings, InnerTrajectory<T> trajectory) : base(trajectory)
    {
        _settings = settings;
        double lambda = double.CreateTruncating(trajectory.Lambda);
        _neumannStep = settings.NeumannStep > 0 ? settings.NeumannStep : 1.0 / lambda;
        int d = trajectory.Dimension;
        _hessian = new ExactHessianProduct<T>(d);
        _queryGradient = new T[d];
        _rightHandSide = new T[d];
        _solution = new T[d];
        _residual = new T[d];
        _searchDirection = new T[d];
        _operatorResult = new T[d];
        _hessianProduct = new T[d];
    }

    public override HessianProduct<T> Hessian => _hessian;

    public override T MetaGradient(ReadOnlySpan<T> metaParameters, Span<T> metaGradient)
    {
        var t = Trajectory;
        ReadOnlySpan<T> mask = t.Mask;
        T lambda = t.Lambda;
        T queryLoss = t.Loss.QueryGradient(t.Point(t.Steps), _queryGradient);
        TensorPrimitives.Multiply(_queryGradient, mask, _rightHandSide);
        if (_settings.Solver == ImplicitSolver.ConjugateGradient) ConjugateGradient(_rightHandSide, _solution);
        else Neumann(_rightHandSide, _solution);

        // ∇²L_S(φ)·w for the cross term; w already lives on the subset.
        _hessian.Times(t.Loss, 0, t.Point(t.Steps), _solution, _hessianProduct, default);
        Span<T> grad = t.Window(metaGradient);
        for (int i = 0; i < grad.Length; i++)
            grad[i] = mask[i] * (lambda * _solution[i]) + (T.One - mask[i]) * (_queryGradient[i] - _hessianProduct[i]);
        return queryLoss;
    }

    /// <summary><paramref name="result"/> = M⊙(∇²L_S(φ)·x) + λx for x on the adapted subset.</summary>
    private void SubsetOperator(ReadOnlySpan<T> x, Span<T> result)
    {
        var t = Trajectory;
        _hessian.Times(t.Loss, 0, t.Point(t.Steps), x, _hessianProduct, default);
        TensorPrimitives.Multiply(_hessianProduct, t.Mask, result);
        TensorPrimitives.MultiplyAdd(x, t.Lambda, result, result);
    }

    private void ConjugateGradient(ReadOnlySpan<T> b, Span<T> x)
    {
        x.Clear();
        b.CopyTo(_residual);
        b.CopyTo(_searchDirection);
        T rs = TensorPrimitives.Dot<T>(_residual, _residual);
        T stop = rs * T.CreateTruncating(1e-24);
        for (int it = 0; it < _settings.Iterations && rs > stop; it++)
        {
            SubsetOperator(_searchDirection, _operatorResult);
            T pAp = TensorPrimitives.Dot<T>(_searchDirection, _operatorResult);
            if (pAp <= T.Zero) break; // not positive definite along p: stop with the current estimate
            T step = rs / pAp;
            TensorPrimitives.MultiplyAdd(_searchDirection, step, x, x);
            TensorPrimitives.MultiplyAdd(_operatorResult, -step, _residual, _residual);
            T rsNext = TensorPrimitives.Dot<T>(_residual, _residual);
            TensorPrimitives.MultiplyAdd(_searchDirection, rsNext / rs, _residual, _searchDirection);
            rs = rsNext;
        }
    }

    /// <summary>x = η Σ_{i=0}^{K} (I − η·op)ⁱ b, accumulating the term pᵢ = (I − η·op)pᵢ₋₁.</summary>
    private void Neumann(ReadOnlySpan<T> b, Span<T> x)
    {
        T step = T.CreateTruncating(_neumannStep);
        Span<T> term = _searchDirection;
        b.CopyTo(term);
        b.CopyTo(x);
        for (int i = 0; i < _settings.Iterations; i++)
        {
            SubsetOperator(term, _operatorResult);
            TensorPrimitives.MultiplyAdd(_operatorResult, -step, term, term);
            TensorPrimitives.Add(x, term, x);
        }
        TensorPrimitives.Multiply(x, step, x);
    }
}
