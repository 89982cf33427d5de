using System.Net;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using TrialManager.Api.Infrastructure;

namespace TrialManager.Api.Features.Reminders;

/// <summary>`Smtp:*` settings: host and port (localhost:25), TLS, optional credentials, and the sender.</summary>
public sealed class SmtpOptions : ISettings
{
    public string Host { get; set; } = "localhost";
    public int Port { get; set; } = 25;
    public bool UseTls { get; set; }
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "trialmanager@localhost";

    /// <summary>Port 465 speaks TLS from the first byte; any other port upgrades with STARTTLS, which is then required.</summary>
    public SecureSocketOptions Security => !UseTls ? SecureSocketOptions.None
        : Port == 465 ? SecureSocketOptions.SslOnConnect
        : SecureSocketOptions.StartTls;

    public void Check(SettingsCheck check)
    {
        check.NotEmpty(nameof(Host), Host);
        check.Between(nameof(Port), Port, 1, 65535);
        check.Require(MailboxAddress.TryParse(From, out _), nameof(From), $"is '{From}', which is not an e-mail address.");
    }
}

/// <summary>A researcher's digest for one trial: the follow-ups due at their sites, by state.</summary>
public sealed record Digest(string TrialCode, string TrialTitle, DateOnly Today, string RecipientName, string RecipientEmail,
    IReadOnlyList<SiteFollowUp> FollowUps, ReminderHorizon Horizon);

/// <summary>
/// Writes and sends digest e-mails. The text names participants by external id, cluster code, site, timepoint and
/// window dates, which every role may see; the follow-up data carries no arm, so none can slip in.
/// </summary>
public static class DigestMail
{
    /// <summary>Most urgent first.</summary>
    private static readonly FollowUpState[] Order = [FollowUpState.Overdue, FollowUpState.Closing, FollowUpState.Open, FollowUpState.Upcoming];

    public static MimeMessage Compose(Digest digest, string from)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(new MailboxAddress(digest.RecipientName, digest.RecipientEmail));
        message.Subject = $"{digest.TrialCode}: {digest.FollowUps.Count} follow-up assessment(s) due at your sites ({digest.Today:yyyy-MM-dd})";
        message.Body = new BodyBuilder { TextBody = Text(digest), HtmlBody = Html(digest) }.ToMessageBody();
        return message;
    }

    public static string Heading(FollowUpState state, ReminderHorizon horizon) => state switch
    {
        FollowUpState.Overdue => "Overdue: the window has closed without a complete assessment",
        FollowUpState.Closing => $"Closing: the window closes within {horizon.ClosingDays} days",
        FollowUpState.Open => "Open: the window is open",
        FollowUpState.Upcoming => $"Upcoming: the window opens within {horizon.UpcomingDays} days",
        _ => state.ToString(),
    };

    private static IEnumerable<(FollowUpState State, List<SiteFollowUp> Rows)> Groups(Digest digest) =>
        Order.Select(state => (state, digest.FollowUps.Where(f => f.FollowUp.State == state)
                .OrderBy(f => f.FollowUp.Window.Closes).ThenBy(f => f.ExternalId, StringComparer.Ordinal).ToList()))
            .Where(g => g.Item2.Count > 0);

    private static string Text(Digest digest)
    {
        var text = new StringBuilder();
        text.AppendLine($"Follow-up assessments due at your sites in {digest.TrialCode} ({digest.TrialTitle}), as of {digest.Today:yyyy-MM-dd}.");
        foreach (var (state, rows) in Groups(digest))
        {
            text.AppendLine().AppendLine($"{Heading(state, digest.Horizon)} ({rows.Count})");
            foreach (var row in rows)
                text.AppendLine($"- {row.ExternalId}, cluster {row.ClusterCode}, site {row.SiteCode}, timepoint {row.FollowUp.TimepointCode}: " +
                                $"window {row.FollowUp.Window.Opens:yyyy-MM-dd} to {row.FollowUp.Window.Closes:yyyy-MM-dd}, target {row.FollowUp.Window.Target:yyyy-MM-dd}");
        }
        text.AppendLine().AppendLine("Each follow-up is listed once per state; you will hear of it again only when its state changes.");
        return text.ToString();
    }

    private static string Html(Digest digest)
    {
        static string E(string value) => WebUtility.HtmlEncode(value);
        var html = new StringBuilder("<html><body>");
        html.Append($"<p>Follow-up assessments due at your sites in {E(digest.TrialCode)} ({E(digest.TrialTitle)}), as of {digest.Today:yyyy-MM-dd}.</p>");
        foreach (var (state, rows) in Groups(digest))
        {
            html.Append($"<h3>{E(Heading(state, digest.Horizon))} ({rows.Count})</h3>")
                .Append("<table><tr><th>Participant</th><th>Cluster</th><th>Site</th><th>Timepoint</th><th>Window opens</th><th>Target</th><th>Window closes</th></tr>");
            foreach (var row in rows)
                html.Append($"<tr><td>{E(row.ExternalId)}</td><td>{E(row.ClusterCode)}</td><td>{E(row.SiteCode)}</td><td>{E(row.FollowUp.TimepointCode)}</td>")
                    .Append($"<td>{row.FollowUp.Window.Opens:yyyy-MM-dd}</td><td>{row.FollowUp.Window.Target:yyyy-MM-dd}</td><td>{row.FollowUp.Window.Closes:yyyy-MM-dd}</td></tr>");
            html.Append("</table>");
        }
        return html.Append("</body></html>").ToString();
    }

    /// <summary>Sends over SMTP; throws if the server cannot be reached or refuses the message.</summary>
    public static async Task SendAsync(SmtpOptions settings, MimeMessage message, CancellationToken ct)
    {
        using var client = new SmtpClient();
        client.Timeout = 30_000;
        await client.ConnectAsync(settings.Host, settings.Port, settings.Security, ct);
        if (!string.IsNullOrEmpty(settings.UserName))
            await client.AuthenticateAsync(settings.UserName, settings.Password ?? "", ct);
        await client.SendAsync(message, ct);
        await client.DisconnectAsync(quit: true, ct);
    }
}
