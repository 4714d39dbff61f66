namespace MetaSpec.Engine;

/// <summary>
/// A fixed team of threads that runs one body per worker index, again and again, without allocating:
/// the caller's thread is worker 0 and the others wait on a barrier between runs.
/// </summary>
internal sealed class ParallelRunner : IDisposable
{
    private readonly Action<int> _body;
    private readonly Barrier? _barrier;
    private readonly Thread[] _threads;
    private readonly Exception?[] _errors;
    private volatile bool _disposed;

    public ParallelRunner(int workers, Action<int> body)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _body = body;
        Workers = workers;
        _errors = new Exception?[workers];
        _threads = new Thread[workers - 1];
        if (workers == 1) return;
        _barrier = new Barrier(workers);
        for (int w = 1; w < workers; w++)
        {
            int worker = w;
            _threads[w - 1] = new Thread(() => Loop(worker)) { IsBackground = true, Name = $"MetaSpec worker {worker}" };
            _threads[w - 1].Start();
        }
    }

    public int Workers { get; }

    /// <summary>Runs the body on every worker and returns when all are done; rethrows the first worker's error.</summary>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Array.Clear(_errors);
        _barrier?.SignalAndWait();
        Execute(0);
        _barrier?.SignalAndWait();
        foreach (var e in _errors)
            if (e is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
    }

    private void Loop(int worker)
    {
        while (true)
        {
            _barrier!.SignalAndWait();
            if (_disposed) return;
            Execute(worker);
            _barrier.SignalAndWait();
        }
    }

    private void Execute(int worker)
    {
        try { _body(worker); }
        catch (Exception e) { _errors[worker] = e; }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_barrier is null) return;
        _barrier.SignalAndWait(); // releases the workers, which see _disposed and exit
        foreach (var t in _threads) t.Join();
        _barrier.Dispose();
    }
}
