using System.Numerics;
using MetaSpec.Tasks;

namespace MetaSpec.Engine;

/// <summary>
/// The data one task's inner loop and meta-objective see: the support set of every inner step and the query set.
/// With the resampling inner loop each step keeps its own support draw, so the backward pass and replays (ES) see
/// the draws the forward pass saw; otherwise every step reads the task's one support set, without copying.
/// </summary>
internal sealed class TaskSets<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _inputSize, _targetSize;
    private readonly T[][] _drawInputs, _drawTargets;   // step j's support draw (resampling only)
    private T[] _supportInputs = [], _supportTargets = [], _queryInputs = [], _queryTargets = [];
    private int _supportCount, _queryCount;
    private bool _resampled;

    /// <summary>Sets for samples of the given sizes; <paramref name="draws"/> per-step support copies for resampling (0 for none).</summary>
    public TaskSets(int inputSize, int targetSize, int maxSupport, int draws)
    {
        _inputSize = inputSize;
        _targetSize = targetSize;
        _drawInputs = new T[draws][];
        _drawTargets = new T[draws][];
        for (int j = 0; j < draws; j++)
        {
            _drawInputs[j] = new T[maxSupport * inputSize];
            _drawTargets[j] = new T[maxSupport * targetSize];
        }
    }

    /// <summary>Reads the task's support and query sets (in place: the task must not change while they are used).</summary>
    public void Use(TaskData<T> task)
    {
        (_supportInputs, _supportTargets, _supportCount) = (task.SupportInputs, task.SupportTargets, task.SupportCount);
        (_queryInputs, _queryTargets, _queryCount) = (task.QueryInputs, task.QueryTargets, task.QueryCount);
        _resampled = false;
    }

    /// <summary>A support set alone (adaptation without a query set), copied into <paramref name="inputs"/>' and <paramref name="targets"/>' own storage.</summary>
    public void UseSupport(T[] inputs, T[] targets, int count)
    {
        (_supportInputs, _supportTargets, _supportCount) = (inputs, targets, count);
        (_queryInputs, _queryTargets, _queryCount) = ([], [], 0);
        _resampled = false;
    }

    /// <summary>Keeps the task's current support set as step <paramref name="step"/>'s draw.</summary>
    public void KeepDraw(int step, TaskData<T> task)
    {
        task.SupportInputs.CopyTo(_drawInputs[step], 0);
        task.SupportTargets.CopyTo(_drawTargets[step], 0);
        _resampled = true;
    }

    /// <summary>Whether a query set is present.</summary>
    public bool HasQuery => _queryCount > 0;

    /// <summary>Support samples of every step.</summary>
    public int SupportCount => _supportCount;

    /// <summary>Query samples.</summary>
    public int QueryCount => _queryCount;

    /// <summary>Inputs of step <paramref name="step"/>'s support set.</summary>
    public ReadOnlySpan<T> SupportInputs(int step) =>
        (_resampled ? _drawInputs[step] : _supportInputs).AsSpan(0, _supportCount * _inputSize);

    /// <summary>Targets of step <paramref name="step"/>'s support set.</summary>
    public ReadOnlySpan<T> SupportTargets(int step) =>
        (_resampled ? _drawTargets[step] : _supportTargets).AsSpan(0, _supportCount * _targetSize);

    /// <summary>The query inputs.</summary>
    public ReadOnlySpan<T> QueryInputs => _queryInputs.AsSpan(0, _queryCount * _inputSize);

    /// <summary>The query targets.</summary>
    public ReadOnlySpan<T> QueryTargets => _queryTargets.AsSpan(0, _queryCount * _targetSize);
}
