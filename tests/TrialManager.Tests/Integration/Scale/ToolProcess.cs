using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TrialManager.Tests.Integration.Faults;

namespace TrialManager.Tests.Integration.Scale;

/// <summary>
/// A program the scale scenario starts with a configuration of its own (PgBouncer, nginx) rather than as the system
/// service its package installs: its output goes to a log file, it is up once its port takes connections, and it is
/// killed when disposed, or when the test process ends.
/// </summary>
public sealed class ToolProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _gate = new();
    private readonly Queue<string> _tail = new();

    private ToolProcess(Process process, string logPath)
    {
        _process = process;
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        _log = new StreamWriter(logPath) { AutoFlush = true };
    }

    /// <summary>
    /// Fails the test, with what to do, when the program is missing: deploy/local/test.sh installs it with apt when it
    /// runs as root, and a scenario that cannot run must not pass silently.
    /// </summary>
    public static void Require(string program, string package)
    {
        if (!File.Exists(program))
            Assert.Fail($"{program} is missing: install Debian's {package} package (apt-get install {package}; deploy/local/test.sh " +
                        "does so when it runs as root). The multi-instance scenario cannot run without it.");
    }

    public static async Task<ToolProcess> StartAsync(string program, IEnumerable<string> arguments, int port, string logPath, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        var tool = new ToolProcess(new Process { StartInfo = start, EnableRaisingEvents = true }, logPath);
        ChildProcesses.Start(tool._process, tool.OnLine);
        try
        {
            await tool.UntilListeningAsync(port, timeout, Path.GetFileName(program));
            return tool;
        }
        catch
        {
            await tool.DisposeAsync();
            throw;
        }
    }

    public string Tail()
    {
        lock (_gate)
            return string.Join('\n', _tail);
    }

    public async ValueTask DisposeAsync()
    {
        ChildProcesses.Kill(_process);
        await _process.WaitForExitAsync();
        _process.Dispose();
        lock (_gate)
            _log.Dispose();
    }

    /// <summary>A port no one listens on now (the OS's pick).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task UntilListeningAsync(int port, TimeSpan timeout, string name)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
                throw new AssertionException($"{name} exited (code {_process.ExitCode}) before listening on {port}:\n{Tail()}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(50);
            }
            catch (SocketException e)
            {
                throw new AssertionException($"{name} did not listen on {port} within {timeout.TotalSeconds:0} s ({e.Message}):\n{Tail()}");
            }
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
        {
            _log.WriteLine(line);
            _tail.Enqueue(line);
            if (_tail.Count > 40)
                _tail.Dequeue();
        }
    }
}
