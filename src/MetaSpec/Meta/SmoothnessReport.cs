using System.Globalization;

namespace MetaSpec.Meta;

/// <summary>
/// The smoothness L of the task loss a training run used for the step-size check α·N·L ≤ c (Ji, Yang, Liang,
/// JMLR 2022: N-step MAML converges for α ≤ Θ(1/(N·L))), declared or estimated at the first meta-iteration.
/// </summary>
/// <param name="Smoothness">L: declared, or the largest power-iteration estimate over the first meta-batch's tasks.</param>
/// <param name="Estimated">Whether L was estimated (no Smoothness declared).</param>
/// <param name="StepSize">α (the initial value with learned step sizes; their current size is in <see cref="Preconditioner"/>).</param>
/// <param name="Steps">N.</param>
/// <param name="Constant">c.</param>
public sealed record SmoothnessReport(double Smoothness, bool Estimated, double StepSize, int Steps, double Constant)
{
    /// <summary>
    /// ‖P‖, the norm bound of a learned step geometry relative to α (1 for MAML's step and at a geometry's initial value):
    /// the step moves at most α·‖P‖ per unit of gradient, so the bound applies to α·‖P‖ (docs/geometry.md).
    /// </summary>
    public double Preconditioner { get; init; } = 1;

    /// <summary>α·‖P‖·N·L (α·N·L for MAML's step).</summary>
    public double StepSizeProduct => StepSize * Preconditioner * Steps * Smoothness;

    /// <summary>Whether α·‖P‖·N·L exceeds c (the analyzers' MSPEC001, checked here with the runtime's L and the current P).</summary>
    public bool ExceedsBound => StepSizeProduct > Constant * (1 + 1e-9);

    /// <summary>The largest step size within the bound, c/(‖P‖·N·L); infinity when L is 0.</summary>
    public double SuggestedStepSize => Smoothness > 0 ? Constant / (Preconditioner * Steps * Smoothness) : double.PositiveInfinity;

    /// <summary>The training log's line: L and how it was found, then the bound's verdict (a warning when exceeded).</summary>
    public override string ToString()
    {
        string l = Smoothness.ToString("G5", CultureInfo.InvariantCulture);
        string source = Estimated ? "estimated by power iteration on Hessian-vector products over the first meta-batch" : "declared";
        string product = Preconditioner == 1
            ? string.Create(CultureInfo.InvariantCulture, $"α·N·L = {StepSize:G5}·{Steps}·{l} = {StepSizeProduct:G5}")
            : string.Create(CultureInfo.InvariantCulture, $"α·‖P‖·N·L = {StepSize:G5}·{Preconditioner:G5}·{Steps}·{l} = {StepSizeProduct:G5}");
        return ExceedsBound
            ? string.Create(CultureInfo.InvariantCulture,
                $"Smoothness L = {l} ({source}). warning: {product} exceeds c = {Constant:G5}; N-step MAML converges for α ≤ c/(N·L) (Ji, Yang, Liang 2021): consider StepSize ≤ {SuggestedStepSize:G3}.")
            : string.Create(CultureInfo.InvariantCulture, $"Smoothness L = {l} ({source}); {product} ≤ c = {Constant:G5}.");
    }
}
