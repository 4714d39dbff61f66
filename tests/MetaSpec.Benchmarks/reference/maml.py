"""PyTorch reference for MetaSpec's meta-learning benchmarks (run with Debian's /usr/bin/python3 and torch).

Each workload mirrors one MetaSpec workload: same architecture, inner steps, step size, task batch and optimiser.
Each can run in three forms, so that MetaSpec is compared with the strongest PyTorch program, not a weak one:
  per-task  plain autograd, one graph and one backward per task (the functional style of learn2learn/higher);
  batched   every task in one graph: per-task parameters stacked on dim 0, bmm for the MLP, grouped convolution
            (groups = tasks, task t's channels side by side) and one batch norm over tasks × channels for Conv-4;
  vmap      functorch.vmap over tasks of a function that takes functorch.grad in its inner loop (PyTorch 1.13).

Usage: maml.py WORKLOAD FORM SECONDS THREADS  ->  one JSON line {"workload", "form", "it_per_s", "cpu_s_per_it", "peak_mib"}
       maml.py check                           ->  one JSON line per workload: the forms' meta-gradients against
                                                   per-task's, in float64, max |difference| / max |per-task|
       maml.py sine-quality ITERATIONS SEED THREADS  ->  post-adaptation MSE after training (learning quality)
Random data stands in for real tasks: speed and memory do not depend on the values.
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F

# name -> settings. model: sine (MLP 1-40-40-1, K = 10, α = 0.01) or conv4 (5-way 1-shot on 28×28, α = 0.4);
# adapted: None for every parameter, else the indices of the adapted tensors (ANIL: the head).
WORKLOADS = {
    "sine-maml2": dict(model="sine", steps=5, second_order=True, batch=25),
    "sine-fomaml": dict(model="sine", steps=5, second_order=False, batch=25),
    "sine-anil": dict(model="sine", steps=5, second_order=True, batch=25, adapted=[4, 5]),
    "conv4-maml2-1": dict(model="conv4", steps=1, second_order=True, batch=4, queries=15),
    "conv4-maml2-5": dict(model="conv4", steps=5, second_order=True, batch=4, queries=15),
    "conv4-fomaml-1": dict(model="conv4", steps=1, second_order=False, batch=4, queries=15),
    "conv4-fomaml-5": dict(model="conv4", steps=5, second_order=False, batch=4, queries=15),
    # Finn et al.'s Omniglot training step: 5-way 1-shot, one query per class, 32 tasks, one inner step;
    # with max-pooling (as above) and with their Omniglot network (stride-2 convolutions, no pooling).
    "omniglot-pool-maml2": dict(model="conv4", steps=1, second_order=True, batch=32, queries=1),
    "omniglot-strided-maml2": dict(model="conv4", steps=1, second_order=True, batch=32, queries=1, strided=True),
}


def settings(name):
    cfg = dict(adapted=None, queries=10, strided=False)
    cfg.update(WORKLOADS[name])
    cfg["alpha"] = 0.01 if cfg["model"] == "sine" else 0.4
    return cfg


# ---- models -------------------------------------------------------------------------------------------------

def mlp_params(gen):
    shapes = [(40, 1), (40,), (40, 40), (40,), (1, 40), (1,)]
    fan_in = [1, 1, 40, 40, 40, 40]
    return [((torch.rand(s, generator=gen) * 2 - 1) / math.sqrt(f)).requires_grad_() for s, f in zip(shapes, fan_in)]


def linear(x, w, b):
    """x·wᵀ + b with shared (2-D) or per-task (3-D, stacked on dim 0) parameters."""
    return F.linear(x, w, b) if w.dim() == 2 else torch.baddbmm(b.unsqueeze(1), x, w.transpose(1, 2))


def mlp(x, p):
    h = F.relu(linear(x, p[0], p[1]))
    h = F.relu(linear(h, p[2], p[3]))
    return linear(h, p[4], p[5])


def conv4_params(gen, strided, ways=5, filters=64):
    ps = []
    cin = 1
    for _ in range(4):
        bound = 1 / math.sqrt(cin * 9)
        ps.append(((torch.rand(filters, cin, 3, 3, generator=gen) * 2 - 1) * bound).requires_grad_())
        ps.append(((torch.rand(filters, generator=gen) * 2 - 1) * bound).requires_grad_())
        ps.append(torch.ones(filters).requires_grad_())
        ps.append(torch.zeros(filters).requires_grad_())
        cin = filters
    features = filters * (4 if strided else 1)  # 64 × 2 × 2 after four stride-2 blocks, 64 × 1 × 1 after four pools
    bound = 1 / math.sqrt(features)
    ps.append(((torch.rand(ways, features, generator=gen) * 2 - 1) * bound).requires_grad_())
    ps.append(((torch.rand(ways, generator=gen) * 2 - 1) * bound).requires_grad_())
    return ps


def conv4(x, p, strided=False):
    """Conv-4: four [conv 3×3 pad 1, batch norm with batch statistics, ReLU, max-pool 2] blocks and a linear head;
    strided=True is Finn et al.'s Omniglot network: stride-2 convolutions and no pooling (28 → 14 → 7 → 4 → 2)."""
    for b in range(4):
        w, bias, gamma, beta = p[4 * b: 4 * b + 4]
        x = F.conv2d(x, w, bias, stride=2 if strided else 1, padding=1)
        x = F.relu(F.batch_norm(x, None, None, gamma, beta, training=True))
        if not strided:
            x = F.max_pool2d(x, 2)
    return F.linear(x.flatten(1), p[16], p[17])


def conv4_grouped(x, p, strided=False):
    """Conv-4 for T tasks at once, each with its own parameters (stacked on dim 0): x is (N, T·C, H, W), task t's
    channels side by side, so one grouped convolution (groups = T) runs every task's convolution and one batch norm
    over T·F channels normalises each task with its own statistics. Returns scores (T, N, ways)."""
    tasks = p[0].shape[0]
    for b in range(4):
        w, bias, gamma, beta = p[4 * b: 4 * b + 4]
        x = F.conv2d(x, w.reshape(-1, *w.shape[2:]), bias.reshape(-1), stride=2 if strided else 1, padding=1, groups=tasks)
        x = F.relu(F.batch_norm(x, None, None, gamma.reshape(-1), beta.reshape(-1), training=True))
        if not strided:
            x = F.max_pool2d(x, 2)
    features = x.reshape(x.shape[0], tasks, -1).transpose(0, 1)  # (T, N, F·h·w), each task's in PyTorch's flatten order
    return linear(features, p[16], p[17])


# ---- data ---------------------------------------------------------------------------------------------------

def meta_batch(gen, cfg):
    """Support and query sets of every task, stacked on dim 0: xs, ys, xq, yq."""
    tasks = cfg["batch"]
    if cfg["model"] == "sine":
        amp = torch.rand(tasks, 1, 1, generator=gen) * 4.9 + 0.1
        phase = torch.rand(tasks, 1, 1, generator=gen) * math.pi
        xs = torch.rand(tasks, 10, 1, generator=gen) * 10 - 5
        xq = torch.rand(tasks, 10, 1, generator=gen) * 10 - 5
        return xs, amp * torch.sin(xs - phase), xq, amp * torch.sin(xq - phase)
    ways, queries = 5, cfg["queries"]
    xs = torch.rand(tasks, ways, 1, 28, 28, generator=gen)
    xq = torch.rand(tasks, ways * queries, 1, 28, 28, generator=gen)
    ys = torch.arange(ways).repeat(tasks, 1)
    yq = torch.arange(ways).repeat_interleave(queries).repeat(tasks, 1)
    return xs, ys, xq, yq


def model_and_loss(cfg):
    """(forward(x, params) for one task, loss(scores, targets) as a mean over the task's samples)."""
    if cfg["model"] == "sine":
        return mlp, F.mse_loss
    strided = cfg["strided"]
    return (lambda x, p: conv4(x, p, strided)), F.cross_entropy


def batched_task_losses(x, y, p, cfg):
    """Each task's mean loss, shape (T,), for inputs stacked on dim 0 and parameters shared (2-D) or per task."""
    tasks, n = x.shape[0], x.shape[1]
    if cfg["model"] == "sine":
        return ((mlp(x, p) - y) ** 2).mean(dim=(1, 2))
    scores = conv4_grouped(x.transpose(0, 1).reshape(n, tasks * x.shape[2], *x.shape[3:]), p, cfg["strided"])
    return F.cross_entropy(scores.reshape(tasks * n, -1), y.reshape(-1), reduction="none").reshape(tasks, n).mean(dim=1)


# ---- the three forms: each computes the mean query loss after adaptation and leaves its meta-gradient in .grad ----

def meta_loss_per_task(params, data, cfg):
    xs, ys, xq, yq = data
    forward, loss_fn = model_and_loss(cfg)
    adapted = cfg["adapted"] if cfg["adapted"] is not None else range(len(params))
    tasks, total = xs.shape[0], 0.0
    for t in range(tasks):
        fast = list(params)
        for _ in range(cfg["steps"]):
            chosen = [fast[i] for i in adapted]
            grads = torch.autograd.grad(loss_fn(forward(xs[t], fast), ys[t]), chosen, create_graph=cfg["second_order"])
            for i, g in zip(adapted, grads):
                fast[i] = fast[i] - cfg["alpha"] * g
        loss = loss_fn(forward(xq[t], fast), yq[t]) / tasks
        loss.backward()
        total += loss.item()
    return total


def meta_loss_batched(params, data, cfg):
    xs, ys, xq, yq = data
    tasks = xs.shape[0]
    adapted = cfg["adapted"] if cfg["adapted"] is not None else range(len(params))
    fast = list(params)
    for i in adapted:
        fast[i] = params[i].unsqueeze(0).expand(tasks, *params[i].shape)
    for _ in range(cfg["steps"]):
        # The sum of the tasks' losses: each task's gradient is its own (tasks share no fast weights).
        loss = batched_task_losses(xs, ys, fast, cfg).sum()
        grads = torch.autograd.grad(loss, [fast[i] for i in adapted], create_graph=cfg["second_order"])
        for i, g in zip(adapted, grads):
            fast[i] = fast[i] - cfg["alpha"] * g
    loss = batched_task_losses(xq, yq, fast, cfg).mean()
    loss.backward()
    return loss.item()


def meta_loss_vmap(params, data, cfg):
    from functorch import grad, vmap
    forward, loss_fn = model_and_loss(cfg)
    adapted = cfg["adapted"] if cfg["adapted"] is not None else range(len(params))

    def task_loss(p, xs, ys, xq, yq):
        fast = list(p)
        for _ in range(cfg["steps"]):
            def support_loss(chosen):
                q = list(fast)
                for i, c in zip(adapted, chosen):
                    q[i] = c
                return loss_fn(forward(xs, q), ys)
            g = grad(support_loss)([fast[i] for i in adapted])
            for i, gi in zip(adapted, g):
                fast[i] = fast[i] - cfg["alpha"] * (gi if cfg["second_order"] else gi.detach())
        return loss_fn(forward(xq, fast), yq)

    loss = vmap(task_loss, in_dims=(None, 0, 0, 0, 0))(list(params), *data).mean()
    loss.backward()
    return loss.item()


FORMS = {"per-task": meta_loss_per_task, "batched": meta_loss_batched, "vmap": meta_loss_vmap}


def make_params(gen, cfg):
    return mlp_params(gen) if cfg["model"] == "sine" else conv4_params(gen, cfg["strided"])


def check():
    """Every form's meta-gradient against per-task autograd's, in float64, on the same parameters and data."""
    torch.set_default_dtype(torch.float64)
    for name in WORKLOADS:
        cfg = settings(name)
        if cfg["model"] == "conv4":
            cfg["batch"] = min(cfg["batch"], 2)  # the check's cost, not its reach: every task is independent
        gen = torch.Generator().manual_seed(1)
        params = make_params(gen, cfg)
        data = meta_batch(gen, cfg)
        reference = None
        result = {"workload": name}
        for form, meta_loss in FORMS.items():
            for p in params:
                p.grad = None
            try:
                meta_loss(params, data, cfg)
            except Exception as e:  # a form PyTorch 1.13 cannot run is reported, not hidden
                result[form] = f"failed: {type(e).__name__}: {e}"[:200]
                continue
            grads = torch.cat([p.grad.reshape(-1) for p in params])
            if reference is None:
                reference = grads
                result["max_abs_meta_gradient"] = reference.abs().max().item()
            else:
                result[form] = ((grads - reference).abs().max() / reference.abs().max()).item()
        print(json.dumps(result), flush=True)


def sine_quality(iterations, seed, threads):
    """Finn et al.'s sinusoid MAML (1 step of 0.01, K = 10, batch 25, Adam 1e-3), then query MSE on 600 new
    tasks (100 query points each) after 0, 1 and 10 steps, for comparison with specs/Sinusoid at equal budget."""
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(seed)
    params = mlp_params(gen)
    opt = torch.optim.Adam(params, lr=1e-3)
    cfg = settings("sine-maml2")
    cfg["steps"] = 1
    start = time.perf_counter()
    for _ in range(iterations):
        opt.zero_grad()
        meta_loss_per_task(params, meta_batch(gen, cfg), cfg)
        opt.step()
    seconds = time.perf_counter() - start
    results = {}
    for shots in (10, 5):
        losses = {0: [], 1: [], 10: []}
        for _ in range(600):
            amp = torch.rand(1, generator=gen) * 4.9 + 0.1
            phase = torch.rand(1, generator=gen) * math.pi
            xs = torch.rand(shots, 1, generator=gen) * 10 - 5
            xq = torch.rand(100, 1, generator=gen) * 10 - 5
            ys, yq = amp * torch.sin(xs - phase), amp * torch.sin(xq - phase)
            fast = list(params)
            for step in range(11):
                if step in losses:
                    losses[step].append(F.mse_loss(mlp(xq, fast), yq).item())
                if step < 10:
                    grads = torch.autograd.grad(F.mse_loss(mlp(xs, fast), ys), fast)
                    fast = [w - 0.01 * g for w, g in zip(fast, grads)]
        results[shots] = {k: (sum(v) / len(v), 1.96 * torch.tensor(v).std().item() / math.sqrt(len(v))) for k, v in losses.items()}
    print(json.dumps({"iterations": iterations, "seconds": seconds, "mse": results}))


def main():
    if sys.argv[1] == "sine-quality":
        sine_quality(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        return
    if sys.argv[1] == "check":
        check()
        return
    workload, form, seconds, threads = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    cfg = settings(workload)
    gen = torch.Generator().manual_seed(0)
    params = make_params(gen, cfg)
    opt = torch.optim.Adam(params, lr=1e-3)
    meta_loss = FORMS[form]

    def step():
        opt.zero_grad()
        meta_loss(params, meta_batch(gen, cfg), cfg)
        opt.step()

    step()  # warm-up
    cpu_start = time.process_time()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or count < 2:
        step()
        count += 1
    rate = count / (time.perf_counter() - start)
    cpu = (time.process_time() - cpu_start) / count
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"workload": workload, "form": form, "it_per_s": rate, "cpu_s_per_it": cpu, "peak_mib": peak}))


if __name__ == "__main__":
    main()
