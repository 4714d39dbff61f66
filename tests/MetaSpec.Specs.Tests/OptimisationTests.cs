using System.Diagnostics;
using System.Reflection;

namespace MetaSpec.Specs.Tests;

/// <summary>
/// The specs, and the runtime under them, must be the optimised builds whatever configuration the tests build in:
/// in Debug the convolutional specs run 15–30 times slower. A ProjectReference's SetConfiguration is overridden in a
/// solution build by the solution's configuration map, so MetaSpec.sln maps the specs to Release in Debug too; this
/// test catches a Debug copy, whichever way it arrives.
/// </summary>
public sealed class OptimisationTests
{
    [Fact]
    public void The_specs_and_the_runtime_under_them_are_optimised_builds()
    {
        var assemblies = SpecRunner.All.Select(s => s.Run.Method.DeclaringType!.Assembly).Append(Assembly.Load("MetaSpec"));
        foreach (Assembly assembly in assemblies)
        {
            var debuggable = assembly.GetCustomAttribute<DebuggableAttribute>();
            Assert.False(debuggable?.IsJITOptimizerDisabled ?? false, $"{assembly.GetName().Name} ({assembly.Location}) is a Debug build.");
        }
    }
}
