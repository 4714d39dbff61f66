namespace MetaSpec.Specification;

/// <summary>
/// A [MetaModel] class laid out: input shape, layers with their shapes and θ segments, output shape.
/// </summary>
/// <remarks>
/// Every model of the pipeline is a record of plain values (no symbols, syntax or compilations), so the
/// incremental driver can compare two runs structurally and skip the emitter when nothing changed.
/// </remarks>
internal sealed record ModelSpec(
    TypeSpec Type,
    SampleShape Input,
    SampleShape Output,
    int ParameterCount,
    EquatableArray<PlacedLayer> Layers);
