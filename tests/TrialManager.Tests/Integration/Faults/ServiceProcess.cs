using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// The API as a process of its own (`dotnet TrialManager.Api.dll`, the build the test project references), so that a
/// test can SIGKILL or SIGTERM it. It listens on a port the OS picks (read from its start-up log line), and its output
/// is kept, for waits on a log line (a fault point reached) and in a file for the test's diagnostics.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<(string Text, TaskCompletionSource Seen)> _waits = [];
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process, string logPath)
    {
        _process = process;
        _log = new StreamWriter(logPath) { AutoFlush = true };
    }

    /// <summary>From the start of the process until it answered ready.</summary>
    public TimeSpan StartedIn { get; private set; }
    public Uri Address { get; private set; } = null!;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public int ProcessId => _process.Id;

    /// <summary>The API's build output, found from the tests' own (same configuration, same target framework).</summary>
    public static string ApiAssembly { get; } = FindApiAssembly();

    /// <summary>Starts the service with these settings (environment variables) and waits until it is ready.</summary>
    public static async Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string> settings, string logPath, TimeSpan timeout)
    {
        var start = ChildProcesses.Service(settings);

        var service = new ServiceProcess(new Process { StartInfo = start, EnableRaisingEvents = true }, logPath);
        ChildProcesses.Start(service._process, service.OnLine);
        try
        {
            var started = Stopwatch.StartNew();
            service.Address = await service.UntilExitOrTimeout(service._listening.Task, timeout, "listening");
            using var http = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(10) };
            await service.UntilExitOrTimeout(ReadyAsync(http), timeout - started.Elapsed, "ready");
            service.StartedIn = started.Elapsed;
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    public ApiClient Client() => new(new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) });

    /// <summary>Waits until the service writes a line containing the text (at any time since it started).</summary>
    public Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        Task seen;
        lock (_gate)
        {
            if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                return Task.CompletedTask;
            var wait = (text, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            _waits.Add(wait);
            seen = wait.Item2.Task;
        }
        return UntilExitOrTimeout(seen, timeout, $"the log line '{text}'");
    }

    /// <summary>SIGKILL: the process ends at once, with whatever it was doing half done.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as an orchestrator stops a pod: the host stops accepting, drains and exits.</summary>
    public void Terminate()
    {
        if (kill(_process.Id, SigTerm) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>True when the process exited within the timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>How many lines the service has written that contain the text.</summary>
    public int LinesContaining(string text)
    {
        lock (_gate)
            return _lines.Count(l => l.Contains(text, StringComparison.Ordinal));
    }

    public string Tail(int lines = 60)
    {
        lock (_gate)
            return string.Join('\n', _lines.TakeLast(lines));
    }

    public async ValueTask DisposeAsync()
    {
        ChildProcesses.Kill(_process);
        await _process.WaitForExitAsync();
        _process.Dispose();
        lock (_gate)
            _log.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
        {
            _lines.Add(line);
            _log.WriteLine(line);
            foreach (var wait in _waits.Where(w => line.Contains(w.Text, StringComparison.Ordinal)))
                wait.Seen.TrySetResult();
        }
        if (ListeningLine().Match(line) is { Success: true } listening)
            _listening.TrySetResult(new Uri(listening.Groups["address"].Value));
    }

    /// <summary>The task's result, unless the process exits or the time runs out first: then a failure that shows its log.</summary>
    private async Task<T> UntilExitOrTimeout<T>(Task<T> task, TimeSpan timeout, string what)
    {
        await UntilExitOrTimeout((Task)task, timeout, what);
        return await task;
    }

    private async Task UntilExitOrTimeout(Task task, TimeSpan timeout, string what)
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(task, exited, Task.Delay(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero));
        if (first == task)
            return;
        var why = first == exited ? $"the service exited (code {_process.ExitCode})" : $"{timeout.TotalSeconds:0} s passed";
        throw new AssertionException($"Waiting for {what}, {why}. Its last lines:\n{Tail()}");
    }

    private static async Task ReadyAsync(HttpClient http)
    {
        while (true)
        {
            try
            {
                using var ready = await http.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
    }

    private static string FindApiAssembly()
    {
        var tests = new DirectoryInfo(AppContext.BaseDirectory);
        var project = tests;
        while (project is not null && !File.Exists(Path.Combine(project.FullName, "TrialManager.Tests.csproj")))
            project = project.Parent;
        if (project is null)
            throw new InvalidOperationException($"{AppContext.BaseDirectory} is not inside the test project.");
        var output = Path.GetRelativePath(project.FullName, tests.FullName);
        var api = Path.GetFullPath(Path.Combine(project.FullName, "..", "..", "src", "TrialManager.Api", output, "TrialManager.Api.dll"));
        return File.Exists(api) ? api : throw new InvalidOperationException($"The API is not built at {api}.");
    }

    // Plain or JSON console lines (Production logs JSON), so the address ends at a space or a quote.
    [GeneratedRegex(@"Now listening on: (?<address>http://[^\s""]+)")]
    private static partial Regex ListeningLine();

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
