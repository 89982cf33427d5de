using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Infrastructure;
using TrialManager.Data;
using TrialManager.Data.Access;

namespace TrialManager.Api.Features.Access;

/// <summary>`Bootstrap:AdminToken`: none, or the first admin's token of at least 32 characters.</summary>
public sealed class BootstrapOptions : ISettings
{
    public string? AdminToken { get; set; }

    public void Check(SettingsCheck check) =>
        check.Require(string.IsNullOrEmpty(AdminToken) || AdminToken.Length >= AdminBootstrap.MinimumTokenLength, nameof(AdminToken),
            $"is {AdminToken?.Length} characters long; it must be at least {AdminBootstrap.MinimumTokenLength}.");
}

/// <summary>
/// A fresh installation needs one system admin to create the rest. When `Bootstrap:AdminToken` is set and no
/// admin exists yet, an `admin` user is created whose token is that value. Several instances starting at once
/// agree through an advisory lock. The caller opens the audit scope the write is recorded under (the system's, at start-up).
/// </summary>
public static class AdminBootstrap
{
    public const int MinimumTokenLength = 32;
    public const string AuditReason = "bootstrap of the first system admin";
    private const long AdvisoryLockKey = 0x7472_6961_6c6d_6772; // "trialmgr"

    public static async Task EnsureAdminAsync(TrialManagerDbContext db, string? adminToken, TimeProvider clock, ILogger logger,
        CancellationToken ct)
    {
        if (string.IsNullOrEmpty(adminToken))
            return;
        if (adminToken.Length < MinimumTokenLength)
            throw new InvalidOperationException($"Bootstrap:AdminToken must be at least {MinimumTokenLength} characters long.");

        var created = await db.InTransactionAsync(async token =>
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", token);
            if (await db.Users.AnyAsync(u => u.IsSystemAdmin, token))
                return false;
            var now = clock.GetUtcNow();
            var admin = new User
            {
                Id = Guid.CreateVersion7(now), UserName = "admin", DisplayName = "System administrator", Email = "admin@localhost",
                IsSystemAdmin = true, CreatedAt = now,
            };
            db.Users.Add(admin);
            db.ApiTokens.Add(new ApiToken
            {
                Id = Guid.CreateVersion7(now), UserId = admin.Id, Name = "bootstrap", SecretHash = TokenSecret.Hash(adminToken),
                Prefix = TokenSecret.PrefixOf(adminToken), CreatedAt = now,
            });
            await db.SaveChangesAsync(token);
            return true;
        }, ct);
        if (created)
            logger.LogInformation("Bootstrapped the system admin 'admin' from Bootstrap:AdminToken");
    }
}
