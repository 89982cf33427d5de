using Microsoft.EntityFrameworkCore;
using TrialManager.Data;

namespace TrialManager.Api.Features.Sessions;

/// <summary>
/// The recurring job `session-cleanup`: deletes the web sessions that can no longer authenticate anyone, so that
/// `web_sessions` holds live sessions only instead of one row per sign-in for ever: those past their absolute end
/// (`expiresAt`), those idle for `Sessions:IdleMinutes` or longer (the same limit <see cref="SessionCookieHandler"/>
/// applies), and those signed out. Sign-in and sign-out stay in the audit trail, which never named the session row.
/// </summary>
public sealed class SessionCleanupJob(TrialManagerDbContext db, SessionOptions options, TimeProvider clock, ILogger<SessionCleanupJob> logger)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var idleSince = now - options.Idle;
        var deleted = await db.WebSessions.Where(s => s.ExpiresAt <= now || s.LastSeenAt <= idleSince || s.RevokedAt != null)
            .ExecuteDeleteAsync(ct);
        logger.LogInformation("Session clean-up: {Sessions} ended web sessions deleted", deleted);
        return deleted;
    }
}
