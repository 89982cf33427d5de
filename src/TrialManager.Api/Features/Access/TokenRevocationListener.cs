using Npgsql;

namespace TrialManager.Api.Features.Access;

/// <summary>Listens for revoked tokens (channel `token_revoked`, payload the token id) and evicts them from the cache.</summary>
internal sealed class TokenRevocationListener(NpgsqlDataSource dataSource, TokenCache cache, ILogger<TokenRevocationListener> logger)
    : BackgroundService
{
    public const string Channel = "token_revoked";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (Guid.TryParse(e.Payload, out var tokenId))
                        cache.Evict(tokenId);
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                cache.Listening(true);
                while (!stoppingToken.IsCancellationRequested)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                logger.LogWarning(e, "Token revocation listener lost its connection; tokens are looked up on every request until it is back");
            }
            finally
            {
                cache.Listening(false);
            }
            await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
