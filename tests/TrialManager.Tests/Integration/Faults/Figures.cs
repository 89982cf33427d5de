namespace TrialManager.Tests.Integration.Faults;

/// <summary>What a fault scenario measured, as one line: printed while the test runs, and quoted by its assertions.</summary>
public sealed class Figures(string scenario)
{
    private readonly List<string> _values = [];

    public Figures Add(string name, object? value)
    {
        _values.Add($"{name}={value}");
        return this;
    }

    public void Print() => TestContext.Progress.WriteLine(this);

    public override string ToString() => $"FAULTS {scenario}: {string.Join(", ", _values)}";
}
