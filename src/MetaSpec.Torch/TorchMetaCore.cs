using MetaSpec.Meta;
using TorchSharp;
using static TorchSharp.torch;

namespace MetaSpec.Torch;

/// <summary>The support and query sets of T tasks as tensors: inputs [T, B, …sample shape]; targets [T, B, D] values or [T, B] int64 class indices.</summary>
internal sealed record TorchTaskBatch(Tensor SupportInputs, Tensor SupportTargets, Tensor QueryInputs, Tensor QueryTargets)
{
    /// <summary>Number of tasks T.</summary>
    public long Tasks => SupportInputs.shape[0];
}

/// <summary>
/// The inner loop and the hypergradients of a meta-learning problem on libtorch, for a batch of tasks at once, by
/// autograd: no state but the model and settings, so a trainer (or generated code) owns the tensors.
/// </summary>
/// <remarks>
/// Meta-parameters are one leaf tensor per model tensor (θ), plus one per model tensor for Meta-SGD's step sizes.
/// The adapted tensors carry a task dimension during the inner loop ([T, …]); the others stay shared. Layers before
/// the first adapted one (an ANIL body) are evaluated once per batch and set, not once per step.
/// <list type="bullet">
/// <item>Unrolled: the inner steps are built with <c>create_graph</c> (and <c>retain_graph</c>: without it the later
/// backward through the steps aborts the process in libtorch 2.10), then the mean query loss is differentiated.</item>
/// <item>FirstOrder and Reptile: a detached inner loop; ∇L_Q(θ_N), or θ − θ_N.</item>
/// <item>Implicit: at φ = θ_N, (H + λI)w = ∇_φL_Q is solved per task by CG (or a Neumann series) on Hessian-vector
/// products from double backward; ∇θ_adapted = λw, ∇θ_rest = ∇_rest L_Q − ∂(∇_φL_S·w)/∂θ_rest.</item>
/// </list>
/// All meta-gradients are means over the batch's tasks, as the managed trainer averages its tasks.
/// </remarks>
internal sealed class TorchMetaCore
{
    private readonly bool[] _adapted;

    /// <summary>The core for <paramref name="model"/> under <paramref name="settings"/> (validated here).</summary>
    public TorchMetaCore(TorchModel model, TorchMetaSettings settings, TorchConvolution convolution = TorchConvolution.Auto)
    {
        Convolution = convolution;
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate(model);
        Model = model;
        Settings = settings;
        _adapted = settings.AdaptedTensors(model);
        int first = Array.IndexOf(_adapted, true);
        BodyLayers = model.Tensors[first].Layer;
    }

    /// <summary>The network.</summary>
    public TorchModel Model { get; }

    /// <summary>The problem's settings.</summary>
    public TorchMetaSettings Settings { get; }

    /// <summary>How task-batched convolutions run.</summary>
    public TorchConvolution Convolution { get; }

    /// <summary>Whether tensor i is adapted by the inner loop.</summary>
    public IReadOnlyList<bool> Adapted => _adapted;

    /// <summary>Layers before the first adapted one: evaluated once per set (0 when the first layer adapts).</summary>
    public int BodyLayers { get; }

    /// <summary>
    /// The batch's meta-gradient (mean over tasks): one tensor per θ tensor, then one per step-size tensor for Meta-SGD;
    /// with the query loss of every task after adaptation, [T] (detached).
    /// </summary>
    public (Tensor QueryLosses, Tensor[] Gradients) MetaGradient(IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor>? stepSizes, TorchTaskBatch batch)
    {
        CheckParameters(theta, stepSizes);
        return Settings.Method switch
        {
            HypergradientKind.Unrolled => Unrolled(theta, stepSizes, batch),
            HypergradientKind.FirstOrder => FirstOrder(theta, batch),
            HypergradientKind.Reptile => Reptile(theta, batch),
            HypergradientKind.Implicit => Implicit(theta, batch),
            _ => throw new NotSupportedException($"The torch backend does not compute the {Settings.Method} hypergradient."),
        };
    }

    /// <summary>
    /// Adapts to each task's support set with <paramref name="steps"/> detached inner steps and scores the query set after
    /// every step: losses [steps + 1, T], and accuracies likewise for cross-entropy (null otherwise).
    /// </summary>
    public (Tensor Losses, Tensor? Accuracies) Evaluate(IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor>? stepSizes, TorchTaskBatch batch, int steps)
    {
        CheckParameters(theta, stepSizes);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        long tasks = batch.Tasks;
        Functional.Batch fs, fq;
        using (no_grad())
        {
            fs = Body(theta, batch.SupportInputs, tasks);
            fq = Body(theta, batch.QueryInputs, tasks);
        }
        var (anchor, phi) = DetachedStart(theta, tasks);
        var losses = new List<Tensor>();
        var accuracies = new List<Tensor>();
        for (int j = 0; ; j++)
        {
            using (no_grad())
            {
                Tensor outputs = Head(theta, phi, fq, tasks);
                losses.Add(Functional.LossPerTask(Settings.Loss, outputs, batch.QueryTargets));
                if (Settings.Loss == TorchLoss.CrossEntropy) accuracies.Add(Functional.AccuracyPerTask(outputs, batch.QueryTargets));
            }
            if (j == steps) break;
            phi = DetachedStep(theta, stepSizes, anchor, phi, fs, batch.SupportTargets, tasks);
        }
        return (stack(losses), accuracies.Count > 0 ? stack(accuracies) : null);
    }

    /// <summary>
    /// Every tensor after <paramref name="steps"/> detached inner steps on each task's support set: adapted ones per task
    /// [T, …], the others shared (their <see cref="Adapted"/> entry is false).
    /// </summary>
    public Tensor[] Adapt(IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor>? stepSizes, Tensor supportInputs, Tensor supportTargets, int steps)
    {
        CheckParameters(theta, stepSizes);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        long tasks = supportInputs.shape[0];
        Functional.Batch fs;
        using (no_grad()) fs = Body(theta, supportInputs, tasks);
        var (anchor, phi) = DetachedStart(theta, tasks);
        for (int j = 0; j < steps; j++) phi = DetachedStep(theta, stepSizes, anchor, phi, fs, supportTargets, tasks);
        var result = new Tensor[theta.Count];
        for (int i = 0; i < result.Length; i++) result[i] = _adapted[i] ? phi[i]!.detach() : theta[i].detach();
        return result;
    }

    /// <summary>Outputs [T, B, D] of the network with <paramref name="parameters"/> (per task where <see cref="Adapted"/>) on inputs [T, B, …].</summary>
    public Tensor Predict(IReadOnlyList<Tensor> parameters, Tensor inputs)
    {
        using var _ = no_grad();
        long tasks = inputs.shape[0];
        return Functional.Forward(Model, parameters, _adapted, tasks, Functional.Input(inputs, Model.Input), 0, Model.Layers.Count, Convolution).Value;
    }

    // ---- the methods -------------------------------------------------------------------------------------------

    private (Tensor, Tensor[]) Unrolled(IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor>? stepSizes, TorchTaskBatch batch)
    {
        long tasks = batch.Tasks;
        var fs = Body(theta, batch.SupportInputs, tasks);
        var fq = Body(theta, batch.QueryInputs, tasks);
        var anchor = new Tensor?[theta.Count];
        for (int i = 0; i < theta.Count; i++)
            if (_adapted[i])
                anchor[i] = Settings.ResetAdaptedToZero
                    ? zeros(TaskShape(theta[i], tasks), theta[i].dtype, theta[i].device, requires_grad: true)
                    : theta[i].unsqueeze(0).expand(TaskShape(theta[i], tasks));
        var phi = (Tensor?[])anchor.Clone();
        for (int j = 0; j < Settings.Steps; j++)
        {
            Tensor support = Functional.LossPerTask(Settings.Loss, Head(theta, phi, fs, tasks), batch.SupportTargets).sum();
            // create_graph for the second-order terms; retain_graph too, or the outer backward aborts the process.
            var g = autograd.grad([support], AdaptedOf(phi), create_graph: true, retain_graph: true);
            phi = Step(phi, anchor, g, stepSizes);
        }
        Tensor query = Functional.LossPerTask(Settings.Loss, Head(theta, phi, fq, tasks), batch.QueryTargets);
        // Differentiate only with respect to what the graph uses: a re-solved head's θ and the step sizes of shared tensors do not enter.
        var inputs = new List<Tensor>();
        var slots = new List<int>();
        for (int i = 0; i < theta.Count; i++)
            if (!(_adapted[i] && Settings.ResetAdaptedToZero)) { inputs.Add(theta[i]); slots.Add(i); }
        if (stepSizes is not null)
            for (int i = 0; i < theta.Count; i++)
                if (_adapted[i]) { inputs.Add(stepSizes[i]); slots.Add(theta.Count + i); }
        var grads = autograd.grad([query.mean()], inputs);
        var result = ZerosFor(theta, stepSizes);
        for (int k = 0; k < slots.Count; k++) result[slots[k]] = grads[k];
        return (query.detach(), result);
    }

    private (Tensor, Tensor[]) FirstOrder(IReadOnlyList<Tensor> theta, TorchTaskBatch batch)
    {
        long tasks = batch.Tasks;
        Tensor?[] phi = DetachedInnerLoop(theta, batch, tasks);
        var fq = Body(theta, batch.QueryInputs, tasks);
        Tensor query = Functional.LossPerTask(Settings.Loss, Head(theta, phi, fq, tasks), batch.QueryTargets);
        // ∇L_Q(θ_N): the adapted tensors' gradients at θ_N (summed over tasks of the mean: the task mean), the shared ones directly.
        var inputs = new List<Tensor>();
        for (int i = 0; i < theta.Count; i++) inputs.Add(_adapted[i] ? phi[i]! : theta[i]);
        var grads = autograd.grad([query.mean()], inputs);
        var result = new Tensor[theta.Count];
        for (int i = 0; i < theta.Count; i++)
            result[i] = !_adapted[i] ? grads[i] : Settings.ResetAdaptedToZero ? zeros_like(theta[i]) : SumOverTasks(grads[i]);
        return (query.detach(), result);
    }

    private (Tensor, Tensor[]) Reptile(IReadOnlyList<Tensor> theta, TorchTaskBatch batch)
    {
        long tasks = batch.Tasks;
        Tensor?[] phi = DetachedInnerLoop(theta, batch, tasks);
        using var _ = no_grad();
        var fq = Body(theta, batch.QueryInputs, tasks);
        Tensor query = Functional.LossPerTask(Settings.Loss, Head(theta, phi, fq, tasks), batch.QueryTargets);
        var result = new Tensor[theta.Count];
        for (int i = 0; i < theta.Count; i++)
            result[i] = _adapted[i] && !Settings.ResetAdaptedToZero ? theta[i] - phi[i]!.mean([0]) : zeros_like(theta[i]);
        return (query, result);
    }

    private (Tensor, Tensor[]) Implicit(IReadOnlyList<Tensor> theta, TorchTaskBatch batch)
    {
        long tasks = batch.Tasks;
        Tensor?[] phi = DetachedInnerLoop(theta, batch, tasks);
        Tensor[] adapted = AdaptedOf(phi);
        var rest = new List<int>();
        for (int i = 0; i < theta.Count; i++) if (!_adapted[i]) rest.Add(i);

        // q = ∇L_Q at (φ, θ_rest), per task on the adapted part and summed over tasks on the rest.
        var fq = Body(theta, batch.QueryInputs, tasks);
        Tensor query = Functional.LossPerTask(Settings.Loss, Head(theta, phi, fq, tasks), batch.QueryTargets);
        var qInputs = adapted.Concat(rest.Select(i => theta[i])).ToList();
        var q = autograd.grad([query.sum()], qInputs, allow_unused: true);

        // ∇_φ L_S with its graph: Hessian-vector products and the mixed term are its derivatives.
        var fs = Body(theta, batch.SupportInputs, tasks);
        Tensor support = Functional.LossPerTask(Settings.Loss, Head(theta, phi, fs, tasks), batch.SupportTargets).sum();
        var supportGradient = autograd.grad([support], adapted, create_graph: true, retain_graph: true);

        double lambda = Settings.Proximal;
        Tensor[] Operator(Tensor[] v)
        {
            var hv = autograd.grad(supportGradient, adapted, v, retain_graph: true, allow_unused: true);
            var result = new Tensor[v.Length];
            for (int k = 0; k < v.Length; k++) result[k] = OrZeros(hv[k], v[k]) + lambda * v[k];
            return result;
        }

        Tensor[] b = new Tensor[adapted.Length];
        for (int k = 0; k < adapted.Length; k++) b[k] = OrZeros(q[k], adapted[k]).detach();
        Tensor[] w = Settings.Solver == ImplicitSolver.ConjugateGradient
            ? ConjugateGradient(Operator, b, Settings.Iterations)
            : Neumann(Operator, b, Settings.Iterations, Settings.NeumannStep > 0 ? Settings.NeumannStep : 1.0 / lambda);

        var result = new Tensor[theta.Count];
        int a = 0;
        for (int i = 0; i < theta.Count; i++)
            if (_adapted[i])
            {
                result[i] = Settings.ResetAdaptedToZero ? zeros_like(theta[i]) : (lambda / tasks) * SumOverTasks(w[a]);
                a++;
            }
        if (rest.Count > 0)
        {
            var mixed = autograd.grad(supportGradient, rest.Select(i => theta[i]).ToList(), w, allow_unused: true);
            for (int k = 0; k < rest.Count; k++)
            {
                Tensor qRest = OrZeros(q[adapted.Length + k], theta[rest[k]]);
                result[rest[k]] = (qRest - OrZeros(mixed[k], theta[rest[k]])) / tasks;
            }
        }
        return (query.detach(), result);
    }

    // ---- linear solvers, per task --------------------------------------------------------------------------------

    /// <summary>
    /// CG on every task's system at once, as the managed engine runs it per task: a task stops when its residual falls
    /// below 1e-12 of the initial one or its curvature along p is not positive.
    /// </summary>
    private static Tensor[] ConjugateGradient(Func<Tensor[], Tensor[]> op, Tensor[] b, int iterations)
    {
        var x = b.Select(t => zeros_like(t)).ToArray();
        var r = b.Select(t => t.clone()).ToArray();
        var p = b.Select(t => t.clone()).ToArray();
        Tensor rs = Dot(r, r);
        Tensor stop = rs * 1e-24;
        Tensor active = rs > stop;
        for (int it = 0; it < iterations; it++)
        {
            if (!active.any().item<bool>()) break;
            var ap = op(p);
            Tensor pAp = Dot(p, ap);
            active = active.logical_and(pAp > 0);
            Tensor step = where(active, rs / pAp, zeros_like(rs));
            Tensor[] next = new Tensor[r.Length];
            for (int k = 0; k < x.Length; k++)
            {
                x[k] = x[k] + PerTask(step, p[k]) * p[k];
                r[k] = r[k] - PerTask(step, ap[k]) * ap[k];
            }
            Tensor rsNext = Dot(r, r);
            Tensor beta = where(active, rsNext / rs, zeros_like(rs));
            for (int k = 0; k < p.Length; k++)
                p[k] = where(PerTask(active, p[k]), r[k] + PerTask(beta, p[k]) * p[k], p[k]);
            rs = where(active, rsNext, rs);
            active = active.logical_and(rs > stop);
        }
        return x;
    }

    /// <summary>x = η Σ_{i=0}^{K} (I − η·op)ⁱ b.</summary>
    private static Tensor[] Neumann(Func<Tensor[], Tensor[]> op, Tensor[] b, int terms, double eta)
    {
        var p = b.Select(t => t.clone()).ToArray();
        var x = b.Select(t => t.clone()).ToArray();
        for (int i = 0; i < terms; i++)
        {
            var ap = op(p);
            for (int k = 0; k < p.Length; k++)
            {
                p[k] = p[k] - eta * ap[k];
                x[k] = x[k] + p[k];
            }
        }
        return x.Select(t => t * eta).ToArray();
    }

    /// <summary>Σ over every tensor of a·b per task: [T].</summary>
    private static Tensor Dot(Tensor[] a, Tensor[] b)
    {
        Tensor sum = (a[0] * b[0]).flatten(1).sum(1);
        for (int k = 1; k < a.Length; k++) sum = sum + (a[k] * b[k]).flatten(1).sum(1);
        return sum;
    }

    /// <summary>A per-task [T] value shaped to broadcast against <paramref name="like"/> [T, …].</summary>
    private static Tensor PerTask(Tensor values, Tensor like)
    {
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = values.shape[0];
        return values.reshape(shape);
    }

    // ---- the inner loop --------------------------------------------------------------------------------------------

    private Functional.Batch Body(IReadOnlyList<Tensor> theta, Tensor inputs, long tasks) =>
        Functional.Forward(Model, theta, _adapted, tasks, Functional.Input(inputs, Model.Input), 0, BodyLayers, Convolution);

    /// <summary>Outputs of the layers after the body, with φ for the adapted tensors and θ for the rest.</summary>
    private Tensor Head(IReadOnlyList<Tensor> theta, Tensor?[] phi, Functional.Batch features, long tasks)
    {
        var parameters = new Tensor[theta.Count];
        for (int i = 0; i < parameters.Length; i++) parameters[i] = _adapted[i] ? phi[i]! : theta[i];
        return Functional.Forward(Model, parameters, _adapted, tasks, features, BodyLayers, Model.Layers.Count, Convolution).Value;
    }

    /// <summary>φ ← φ − α(∇L_S + λ(φ − φ₀)) on the adapted tensors (α a scalar, or Meta-SGD's per-parameter tensor).</summary>
    private Tensor?[] Step(Tensor?[] phi, Tensor?[] anchor, IList<Tensor> gradients, IReadOnlyList<Tensor>? stepSizes)
    {
        var next = new Tensor?[phi.Length];
        int k = 0;
        for (int i = 0; i < phi.Length; i++)
        {
            if (!_adapted[i]) continue;
            Tensor g = gradients[k++];
            if (Settings.Proximal != 0) g = g + Settings.Proximal * (phi[i]! - anchor[i]!);
            next[i] = stepSizes is null ? phi[i]! - Settings.StepSize * g : phi[i]! - stepSizes[i].unsqueeze(0) * g;
        }
        return next;
    }

    /// <summary>The inner loop without a graph through it: φ_N as leaves that require grad.</summary>
    private Tensor?[] DetachedInnerLoop(IReadOnlyList<Tensor> theta, TorchTaskBatch batch, long tasks)
    {
        Functional.Batch fs;
        using (no_grad()) fs = Body(theta, batch.SupportInputs, tasks);
        var (anchor, phi) = DetachedStart(theta, tasks);
        for (int j = 0; j < Settings.Steps; j++) phi = DetachedStep(theta, null, anchor, phi, fs, batch.SupportTargets, tasks);
        return phi;
    }

    private (Tensor?[] Anchor, Tensor?[] Phi) DetachedStart(IReadOnlyList<Tensor> theta, long tasks)
    {
        var anchor = new Tensor?[theta.Count];
        var phi = new Tensor?[theta.Count];
        using (no_grad())
            for (int i = 0; i < theta.Count; i++)
                if (_adapted[i])
                {
                    anchor[i] = Settings.ResetAdaptedToZero
                        ? zeros(TaskShape(theta[i], tasks), theta[i].dtype, theta[i].device)
                        : theta[i].detach().unsqueeze(0).expand(TaskShape(theta[i], tasks)).clone();
                    phi[i] = anchor[i]!.clone().requires_grad_(true);
                }
        return (anchor, phi);
    }

    private Tensor?[] DetachedStep(IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor>? stepSizes, Tensor?[] anchor, Tensor?[] phi,
        Functional.Batch fs, Tensor supportTargets, long tasks)
    {
        Tensor support;
        using (enable_grad()) support = Functional.LossPerTask(Settings.Loss, Head(theta, phi, fs, tasks), supportTargets).sum();
        var g = autograd.grad([support], AdaptedOf(phi));
        using var _ = no_grad();
        var next = Step(phi, anchor, g, stepSizes is null ? null : stepSizes.Select(s => s.detach()).ToList());
        for (int i = 0; i < next.Length; i++) next[i]?.requires_grad_(true);
        return next;
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    private Tensor[] AdaptedOf(Tensor?[] phi)
    {
        var list = new List<Tensor>();
        for (int i = 0; i < phi.Length; i++) if (_adapted[i]) list.Add(phi[i]!);
        return [.. list];
    }

    /// <summary>Σ over the task dimension. (A literal <c>sum(0)</c> binds to the <c>sum(ScalarType)</c> overload and sums everything.)</summary>
    private static Tensor SumOverTasks(Tensor t) => t.sum(0L);

    private static long[] TaskShape(Tensor t, long tasks) => [tasks, .. t.shape];

    private static Tensor OrZeros(Tensor? t, Tensor like) => t is null || t.IsInvalid ? zeros_like(like) : t;

    private static Tensor[] ZerosFor(IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor>? stepSizes) =>
        [.. theta.Select(t => zeros_like(t)), .. (stepSizes ?? []).Select(t => zeros_like(t))];

    private void CheckParameters(IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor>? stepSizes)
    {
        ArgumentNullException.ThrowIfNull(theta);
        if (theta.Count != Model.Tensors.Count)
            throw new ArgumentException($"Expected {Model.Tensors.Count} parameter tensors, got {theta.Count}.", nameof(theta));
        if (Settings.LearnStepSizes != stepSizes is not null)
            throw new ArgumentException(Settings.LearnStepSizes ? "Meta-SGD needs its step-size tensors." : "Step-size tensors were given but the settings do not learn step sizes.", nameof(stepSizes));
        if (stepSizes is not null && stepSizes.Count != theta.Count)
            throw new ArgumentException($"Expected {theta.Count} step-size tensors, got {stepSizes.Count}.", nameof(stepSizes));
    }
}
