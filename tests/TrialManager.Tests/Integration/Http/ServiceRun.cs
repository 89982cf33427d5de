using System.Diagnostics;
using System.Text;
using TrialManager.Tests.Integration.Faults;

namespace TrialManager.Tests.Integration.Http;

/// <summary>The service run as a process of its own until it exits by itself (the migrate mode, a refused start-up).</summary>
public sealed record ServiceRun(int ExitCode, string Output)
{
    public static async Task<ServiceRun> RunAsync(IReadOnlyDictionary<string, string> settings, TimeSpan timeout)
    {
        var start = ChildProcesses.Service(settings);
        // Production writes JSON lines (appsettings.Production.json); the tests read the plain text.
        if (!settings.ContainsKey("Logging__Console__FormatterName"))
            start.Environment["Logging__Console__FormatterName"] = "simple";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new AssertionException($"The service did not exit within {timeout.TotalSeconds:0} s:\n{Text(output)}");
        }
        // The exit is seen before the last redirected lines are read; this waits for the end of both streams.
        process.WaitForExit();
        return new ServiceRun(process.ExitCode, Text(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
            return;
        lock (output)
            output.AppendLine(line);
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
            return output.ToString();
    }
}
