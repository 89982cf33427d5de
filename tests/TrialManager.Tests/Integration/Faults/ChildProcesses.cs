using System.Diagnostics;

namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// The processes the tests start (the service, PgBouncer, nginx): killed when the test process ends, even early, so
/// that none outlives the run holding a port or a database.
/// </summary>
public static class ChildProcesses
{
    private static readonly HashSet<Process> Running = [];

    static ChildProcesses() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        lock (Running)
            foreach (var process in Running)
                KillQuietly(process);
    };

    /// <summary>Starts a process whose every output line (both streams) goes to `onLine`, killed when the test run ends.</summary>
    public static void Start(Process process, Action<string?> onLine)
    {
        process.OutputDataReceived += (_, e) => onLine(e.Data);
        process.ErrorDataReceived += (_, e) => onLine(e.Data);
        process.Start();
        lock (Running)
            Running.Add(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static void Kill(Process process)
    {
        KillQuietly(process);
        lock (Running)
            Running.Remove(process);
    }

    /// <summary>How the service is started: its build output, with only the settings the test gives it.</summary>
    public static ProcessStartInfo Service(IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo(DotnetHost(), [ServiceProcess.ApiAssembly])
        {
            WorkingDirectory = Path.GetDirectoryName(ServiceProcess.ApiAssembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Only what the test says: nothing inherited may point the child at another database or address.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)
                     || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in settings)
            start.Environment[key] = value;
        return start;
    }

    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
                process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
