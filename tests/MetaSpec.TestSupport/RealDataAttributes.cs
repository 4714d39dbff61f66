using Xunit.Abstractions;
using Xunit.Sdk;

namespace MetaSpec.TestSupport;

// xunit 2 decides a skip when it discovers a test, from the attribute's Skip property: these attributes compute
// it from the data set's presence. The discoverers also print the reason once per data set as a diagnostic
// message (xunit.runner.json: diagnosticMessages), because `dotnet test` shows a skipped test's name but not
// its reason at its default verbosity. The trait Category=RealData comes with the attribute, so
// `--filter Category!=RealData` leaves these tests out.

/// <summary>A fact that reads a real data set: skipped with a reason when the data is absent, failed instead under METASPEC_REQUIRE_DATA=1.</summary>
[XunitTestCaseDiscoverer("MetaSpec.TestSupport.RealDataFactDiscoverer", "MetaSpec.TestSupport")]
[TraitDiscoverer("MetaSpec.TestSupport.RealDataTraitDiscoverer", "MetaSpec.TestSupport")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RealDataFactAttribute : FactAttribute, ITraitAttribute
{
    public RealDataFactAttribute(RealDataSet dataSet)
    {
        DataSet = dataSet;
        Skip = RealData.SkipReason(dataSet);
    }

    public RealDataSet DataSet { get; }
}

/// <summary>A theory that reads a real data set; see <see cref="RealDataFactAttribute"/>.</summary>
[XunitTestCaseDiscoverer("MetaSpec.TestSupport.RealDataTheoryDiscoverer", "MetaSpec.TestSupport")]
[TraitDiscoverer("MetaSpec.TestSupport.RealDataTraitDiscoverer", "MetaSpec.TestSupport")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RealDataTheoryAttribute : TheoryAttribute, ITraitAttribute
{
    public RealDataTheoryAttribute(RealDataSet dataSet)
    {
        DataSet = dataSet;
        Skip = RealData.SkipReason(dataSet);
    }

    public RealDataSet DataSet { get; }
}

/// <summary>Category=RealData for every test carrying a real-data attribute.</summary>
public sealed class RealDataTraitDiscoverer : ITraitDiscoverer
{
    public const string Category = "RealData";

    public IEnumerable<KeyValuePair<string, string>> GetTraits(IAttributeInfo traitAttribute) => [new("Category", Category)];
}

public sealed class RealDataFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        SkipNotice.Report(DiagnosticMessageSink, factAttribute);
        return base.Discover(discoveryOptions, testMethod, factAttribute);
    }
}

public sealed class RealDataTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute)
    {
        SkipNotice.Report(DiagnosticMessageSink, theoryAttribute);
        return base.Discover(discoveryOptions, testMethod, theoryAttribute);
    }
}

/// <summary>Prints each data set's skip reason once per test process.</summary>
internal static class SkipNotice
{
    private static readonly HashSet<RealDataSet> Reported = [];

    public static void Report(IMessageSink sink, IAttributeInfo attribute)
    {
        string? reason = attribute.GetNamedArgument<string>("Skip");
        RealDataSet set = attribute.GetNamedArgument<RealDataSet>("DataSet");
        if (reason is null) return;
        lock (Reported)
            if (!Reported.Add(set)) return;
        sink.OnMessage(new DiagnosticMessage($"Skipping the tests that need {(set == RealDataSet.Omniglot ? "Omniglot" : "Fashion-MNIST")}: {reason}"));
    }
}
