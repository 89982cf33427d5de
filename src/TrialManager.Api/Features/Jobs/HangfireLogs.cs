using Hangfire.AspNetCore;
using Hangfire.Logging;

namespace TrialManager.Api.Features.Jobs;

/// <summary>
/// Hangfire's log provider is process-wide, while hosts can come and go in one process (the tests run several): a
/// logger asked of a host that has stopped is silent instead of throwing from inside another host's jobs.
/// </summary>
internal sealed class HangfireLogs(ILoggerFactory factory) : ILogProvider
{
    private readonly AspNetCoreLogProvider _logs = new(factory);

    public ILog GetLogger(string name)
    {
        try
        {
            return _logs.GetLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return Silent.Instance;
        }
    }

    private sealed class Silent : ILog
    {
        public static readonly Silent Instance = new();

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string> messageFunc, Exception? exception = null) => false;
    }
}
