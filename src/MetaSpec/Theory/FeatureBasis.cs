namespace MetaSpec.Theory;

/// <summary>The feature map Φ of <see cref="LinearRegressionTasks{T}"/>: how a scalar input x becomes d features.</summary>
public enum FeatureBasis
{
    /// <summary>Monomials: Φ(x) = (1, x, x², …, x^(d−1)).</summary>
    Polynomial,

    /// <summary>
    /// Gaussian radial basis functions: Φ_j(x) = exp(−(x − c_j)² / (2w²)) with d centres c_j evenly spaced
    /// over the input interval (both ends included) and width w.
    /// </summary>
    GaussianRbf,
}
