"""PyTorch reference for MetaSpec's meta-learning benchmarks (run with Debian's /usr/bin/python3 and torch).

Each workload mirrors one MetaSpec workload: same architecture, inner steps, task batch and optimiser.
Usage: maml.py WORKLOAD SECONDS THREADS   ->  one JSON line {"workload", "it_per_s", "peak_mib"}
       maml.py sine-quality ITERATIONS SEED THREADS  ->  post-adaptation MSE after training (learning quality)
Workloads: sine-maml2, sine-maml2-batched, sine-fomaml, sine-anil, conv4-maml2-1, conv4-maml2-5, conv4-fomaml-1, conv4-fomaml-5
Random data stands in for real tasks: speed and memory do not depend on the values.
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F


def mlp_params(gen):
    shapes = [(40, 1), (40,), (40, 40), (40,), (1, 40), (1,)]
    ps = []
    for s in shapes:
        fan_in = s[1] if len(s) == 2 else (1 if s[0] == 40 and len(ps) == 1 else 40)
        bound = 1 / math.sqrt(fan_in)
        ps.append(((torch.rand(s, generator=gen) * 2 - 1) * bound).requires_grad_())
    return ps


def mlp(x, p):
    h = F.relu(F.linear(x, p[0], p[1]))
    h = F.relu(F.linear(h, p[2], p[3]))
    return F.linear(h, p[4], p[5])


def sine_batch(gen, tasks=25, k=10):
    amp = torch.rand(tasks, 1, 1, generator=gen) * 4.9 + 0.1
    phase = torch.rand(tasks, 1, 1, generator=gen) * math.pi
    xs = torch.rand(tasks, k, 1, generator=gen) * 10 - 5
    xq = torch.rand(tasks, k, 1, generator=gen) * 10 - 5
    return xs, amp * torch.sin(xs - phase), xq, amp * torch.sin(xq - phase)


def adapt(params, x, y, steps, alpha, second_order, adapted, forward, loss_fn):
    fast = list(params)
    for _ in range(steps):
        loss = loss_fn(forward(x, fast), y)
        chosen = [fast[i] for i in adapted]
        grads = torch.autograd.grad(loss, chosen, create_graph=second_order)
        for i, g in zip(adapted, grads):
            fast[i] = fast[i] - alpha * g
    return fast


def sine_step(params, opt, gen, steps, second_order, adapted):
    xs, ys, xq, yq = sine_batch(gen)
    opt.zero_grad()
    total = 0.0
    for t in range(xs.shape[0]):
        fast = adapt(params, xs[t], ys[t], steps, 0.01, second_order, adapted, mlp, F.mse_loss)
        loss = F.mse_loss(mlp(xq[t], fast), yq[t]) / xs.shape[0]
        loss.backward()
        total += loss.item()
    opt.step()
    return total


def bmlp(x, p):
    # p holds per-task parameters stacked on dim 0: weights (T, out, in), biases (T, out)
    h = F.relu(torch.baddbmm(p[1].unsqueeze(1), x, p[0].transpose(1, 2)))
    h = F.relu(torch.baddbmm(p[3].unsqueeze(1), h, p[2].transpose(1, 2)))
    return torch.baddbmm(p[5].unsqueeze(1), h, p[4].transpose(1, 2))


def sine_step_batched(params, opt, gen, steps):
    xs, ys, xq, yq = sine_batch(gen)
    tasks = xs.shape[0]
    opt.zero_grad()
    fast = [p.unsqueeze(0).expand(tasks, *p.shape) for p in params]
    for _ in range(steps):
        # Summing the per-task losses keeps each task's gradient its own (tasks do not share fast weights).
        loss = ((bmlp(xs, fast) - ys) ** 2).mean(dim=(1, 2)).sum()
        grads = torch.autograd.grad(loss, fast, create_graph=True)
        fast = [w - 0.01 * g for w, g in zip(fast, grads)]
    loss = ((bmlp(xq, fast) - yq) ** 2).mean(dim=(1, 2)).mean()
    loss.backward()
    opt.step()
    return loss.item()


def conv4_params(gen, ways=5, filters=64):
    ps = []
    cin = 1
    for _ in range(4):
        bound = 1 / math.sqrt(cin * 9)
        ps.append(((torch.rand(filters, cin, 3, 3, generator=gen) * 2 - 1) * bound).requires_grad_())
        ps.append(((torch.rand(filters, generator=gen) * 2 - 1) * bound).requires_grad_())
        ps.append(torch.ones(filters).requires_grad_())
        ps.append(torch.zeros(filters).requires_grad_())
        cin = filters
    bound = 1 / math.sqrt(filters)
    ps.append(((torch.rand(ways, filters, generator=gen) * 2 - 1) * bound).requires_grad_())
    ps.append(((torch.rand(ways, generator=gen) * 2 - 1) * bound).requires_grad_())
    return ps


def conv4(x, p):
    for b in range(4):
        w, bias, gamma, beta = p[4 * b: 4 * b + 4]
        x = F.conv2d(x, w, bias, padding=1)
        x = F.batch_norm(x, None, None, gamma, beta, training=True)
        x = F.max_pool2d(F.relu(x), 2)
    return F.linear(x.flatten(1), p[16], p[17])


def conv4_step(params, opt, gen, steps, second_order, ways=5, shots=1, queries=15, batch=4):
    opt.zero_grad()
    total = 0.0
    for _ in range(batch):
        xs = torch.rand(ways * shots, 1, 28, 28, generator=gen)
        ys = torch.arange(ways).repeat_interleave(shots)
        xq = torch.rand(ways * queries, 1, 28, 28, generator=gen)
        yq = torch.arange(ways).repeat_interleave(queries)
        fast = adapt(params, xs, ys, steps, 0.4, second_order, range(len(params)), conv4, F.cross_entropy)
        loss = F.cross_entropy(conv4(xq, fast), yq) / batch
        loss.backward()
        total += loss.item()
    opt.step()
    return total


def sine_quality(iterations, seed, threads):
    """Finn et al.'s sinusoid MAML (1 step of 0.01, K = 10, batch 25, Adam 1e-3), then query MSE on 600 new
    tasks (100 query points each) after 0, 1 and 10 steps, for comparison with specs/Sinusoid at equal budget."""
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(seed)
    params = mlp_params(gen)
    opt = torch.optim.Adam(params, lr=1e-3)
    start = time.perf_counter()
    for _ in range(iterations):
        sine_step(params, opt, gen, 1, True, range(6))
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
    workload, seconds, threads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    if workload.startswith("sine"):
        params = mlp_params(gen)
        opt = torch.optim.Adam(params, lr=1e-3)
        step = {
            "sine-maml2": lambda: sine_step(params, opt, gen, 5, True, range(6)),
            "sine-maml2-batched": lambda: sine_step_batched(params, opt, gen, 5),
            "sine-fomaml": lambda: sine_step(params, opt, gen, 5, False, range(6)),
            "sine-anil": lambda: sine_step(params, opt, gen, 5, True, [4, 5]),
        }[workload]
    else:
        _, method, n = workload.split("-")
        params = conv4_params(gen)
        opt = torch.optim.Adam(params, lr=1e-3)
        step = lambda: conv4_step(params, opt, gen, int(n), method == "maml2")
    step()  # warm-up
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or count < 2:
        step()
        count += 1
    rate = count / (time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"workload": workload, "it_per_s": rate, "peak_mib": peak}))


if __name__ == "__main__":
    main()
