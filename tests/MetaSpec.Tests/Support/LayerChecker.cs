using MetaSpec.Layers;
using static MetaSpec.Tests.Support.Assertions;

namespace MetaSpec.Tests.Support;

/// <summary>
/// Checks a layer's four kernels in double precision against central differences, through the scalar
/// probe ℓ(x, θ) = Σ cᵢyᵢ + ½Σ dᵢyᵢ² with y = f(x; θ). The probe's gradient in y is c + d⊙y and its
/// Hessian is diag(d), so Backward gives ∇ℓ and ForwardTangent + BackwardTangent give ∇²ℓ·(ẋ, θ̇):
/// both are compared with differences of ℓ and of ∇ℓ, and the Hessian is checked for symmetry.
/// </summary>
public sealed class LayerChecker
{
    private readonly ILayer<double> _layer;
    private readonly int _batch;
    private readonly double[] _c, _d;
    private readonly int _inN, _outN, _pN;

    public LayerChecker(ILayer<double> layer, int batch, int seed)
    {
        _layer = layer;
        _batch = batch;
        _inN = batch * layer.InputShape.Size;
        _outN = batch * layer.OutputShape.Size;
        _pN = layer.ParameterCount;
        var random = new Random(seed);
        _c = RandomVector(random, _outN);
        _d = RandomVector(random, _outN);
        Random = random;
    }

    public Random Random { get; }

    private double[] NewState() => new double[_layer.StateLength(_batch)];
    private double[] NewScratch() => new double[_layer.ScratchLength(_batch)];

    public double[] Output(double[] x, double[] theta)
    {
        var y = new double[_outN];
        _layer.Forward(new ForwardPass<double> { Batch = _batch, Parameters = theta, Input = x, Output = y, State = NewState(), Scratch = NewScratch() });
        return y;
    }

    public double Probe(double[] x, double[] theta)
    {
        var y = Output(x, theta);
        double s = 0;
        for (int i = 0; i < y.Length; i++) s += _c[i] * y[i] + 0.5 * _d[i] * y[i] * y[i];
        return s;
    }

    /// <summary>(∂ℓ/∂x, ∂ℓ/∂θ) from Backward.</summary>
    public (double[] dx, double[] dTheta) Gradient(double[] x, double[] theta)
    {
        var y = new double[_outN];
        var state = NewState();
        var scratch = NewScratch();
        _layer.Forward(new ForwardPass<double> { Batch = _batch, Parameters = theta, Input = x, Output = y, State = state, Scratch = scratch });
        var dy = new double[_outN];
        for (int i = 0; i < dy.Length; i++) dy[i] = _c[i] + _d[i] * y[i];
        var dx = new double[_inN];
        var dTheta = new double[_pN];
        _layer.Backward(new BackwardPass<double> { Batch = _batch, Parameters = theta, Input = x, Output = y, State = state, OutputGradient = dy, InputGradient = dx, ParameterGradient = dTheta, Scratch = scratch });
        return (dx, dTheta);
    }

    /// <summary>∇²ℓ·(ẋ, θ̇) from the tangent kernels; an empty ẋ means ẋ = 0.</summary>
    public (double[] dx, double[] dTheta) HessianVector(double[] x, double[] theta, double[] xDot, double[] thetaDot)
    {
        var y = new double[_outN];
        var state = NewState();
        var scratch = NewScratch();
        _layer.Forward(new ForwardPass<double> { Batch = _batch, Parameters = theta, Input = x, Output = y, State = state, Scratch = scratch });
        var yDot = new double[_outN];
        var tangentState = new double[_layer.TangentStateLength(_batch)];
        _layer.ForwardTangent(new ForwardTangentPass<double> { Batch = _batch, Parameters = theta, ParameterTangent = thetaDot, Input = x, InputTangent = xDot, Output = y, State = state, OutputTangent = yDot, TangentState = tangentState, Scratch = scratch });
        var dy = new double[_outN];
        var dyDot = new double[_outN];
        for (int i = 0; i < dy.Length; i++)
        {
            dy[i] = _c[i] + _d[i] * y[i];
            dyDot[i] = _d[i] * yDot[i];
        }
        var dxDot = new double[_inN];
        var dThetaDot = new double[_pN];
        _layer.BackwardTangent(new BackwardTangentPass<double> { Batch = _batch, Parameters = theta, ParameterTangent = thetaDot, Input = x, InputTangent = xDot, Output = y, OutputTangent = yDot, State = state, TangentState = tangentState, OutputGradient = dy, OutputGradientTangent = dyDot, InputGradientTangent = dxDot, ParameterGradientTangent = dThetaDot, Scratch = scratch });
        return (dxDot, dThetaDot);
    }

    /// <summary>Runs every check at a random point (x from <paramref name="inputScale"/>, θ from the layer's initialiser).</summary>
    public void CheckAll(double tolerance = 1e-6, double inputScale = 1, double[]? x = null, double[]? theta = null)
    {
        x ??= RandomVector(Random, _inN, inputScale);
        if (theta is null)
        {
            theta = new double[_pN];
            _layer.Initialize(theta, Random);
            // Move away from the initialiser's structure (zero biases, unit scales) so every term is exercised.
            for (int i = 0; i < theta.Length; i++) theta[i] += 0.1 * (2 * Random.NextDouble() - 1);
        }
        var joint = Join(x, theta);
        Func<double[], double> probe = z => { var (zx, zt) = Split(z); return Probe(zx, zt); };
        Func<double[], double[]> grad = z => { var (zx, zt) = Split(z); var (gx, gt) = Gradient(zx, zt); return Join(gx, gt); };

        // Gradient in both x and θ.
        var (dx, dTheta) = Gradient(x, theta);
        Close(FiniteDifference.Gradient(probe, joint), Join(dx, dTheta), tolerance, "gradient (x, θ)");

        // Hessian-vector product along a joint direction, and along θ alone with ẋ passed as empty.
        var u = RandomVector(Random, joint.Length);
        var (ux, ut) = Split(u);
        var (hx, ht) = HessianVector(x, theta, ux, ut);
        Close(FiniteDifference.Directional(grad, joint, u), Join(hx, ht), tolerance, "Hessian-vector product (x, θ)");

        var thetaOnly = Join(new double[_inN], ut);
        var (hx0, ht0) = HessianVector(x, theta, [], ut);
        Close(FiniteDifference.Directional(grad, joint, thetaOnly), Join(hx0, ht0), tolerance, "Hessian-vector product (θ only, ẋ empty)");

        // Symmetry: uᵀHv = vᵀHu.
        var v = RandomVector(Random, joint.Length);
        var (vx, vt) = Split(v);
        var (hvx, hvt) = HessianVector(x, theta, vx, vt);
        double uHv = Dot(u, Join(hvx, hvt)), vHu = Dot(v, Join(hx, ht));
        Close(uHv, vHu, 1e-10, "uᵀHv = vᵀHu");
    }

    private double[] Join(double[] a, double[] b)
    {
        var r = new double[a.Length + b.Length];
        a.CopyTo(r, 0);
        b.CopyTo(r, a.Length);
        return r;
    }

    private (double[] x, double[] theta) Split(double[] z) => (z[.._inN], z[_inN..]);
}
