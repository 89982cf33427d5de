using System.Globalization;
using Cronos;
using Microsoft.Extensions.Options;

namespace TrialManager.Api.Infrastructure;

/// <summary>A settings section bound to a class that says what values it accepts.</summary>
public interface ISettings
{
    void Check(SettingsCheck check);
}

/// <summary>
/// The problems found in one settings section, each naming its setting by configuration key (`Reminders:Cron`), so
/// that the process that will not start says which line of its configuration to fix.
/// </summary>
public sealed class SettingsCheck(string section)
{
    private readonly List<string> _problems = [];

    public IReadOnlyList<string> Problems => _problems;

    public string KeyOf(string name) => $"{section}:{name}";

    public void Fail(string name, string problem) => _problems.Add($"{KeyOf(name)} {problem}");

    public void Require(bool holds, string name, string problem)
    {
        if (!holds)
            Fail(name, problem);
    }

    public void AtLeast(string name, double value, double minimum) =>
        Require(value >= minimum, name, $"is {Number(value)}; it must be at least {Number(minimum)}.");

    public void Positive(string name, double value) =>
        Require(value > 0, name, $"is {Number(value)}; it must be more than 0.");

    public void Between(string name, double value, double minimum, double maximum) =>
        Require(value >= minimum && value <= maximum, name, $"is {Number(value)}; it must be between {Number(minimum)} and {Number(maximum)}.");

    public void NotEmpty(string name, string? value) => Require(!string.IsNullOrWhiteSpace(value), name, "is empty.");

    /// <summary>A cron expression as Hangfire reads it (its Cronos): five fields, or six with seconds first.</summary>
    public void Cron(string name, string? value)
    {
        if (Settings.CronProblem(value) is { } problem)
            Fail(name, $"is '{value}': {problem}");
    }

    public void TimeZone(string name, string? value)
    {
        if (!Settings.TryFindTimeZone(value, out _))
            Fail(name, $"is '{value}', which is not a time zone this machine knows (an IANA name such as Europe/London).");
    }

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}

public static class Settings
{
    /// <summary>
    /// Binds the section to <typeparamref name="T"/>, checks it when the host starts (before anything is served) and
    /// offers it as a plain <typeparamref name="T"/> as well as IOptions. A value that is not even of the property's
    /// type fails the binding with the key named by the configuration binder.
    /// </summary>
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, string section) where T : class, ISettings
    {
        services.AddSingleton<IValidateOptions<T>>(new Validator<T>(section));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>Checks every section added with <see cref="AddSettings{T}"/> now, rather than when the host starts.</summary>
    public static void ValidateSettings(this IServiceProvider services) =>
        services.GetService<IStartupValidator>()?.Validate();

    /// <summary>
    /// Checks the settings before any start-up step; wrong ones are logged, one line each, and the exception ends the
    /// process. The logs are flushed first, so that a JSON log shows why the process stopped.
    /// </summary>
    public static void CheckSettings(this WebApplication app)
    {
        try
        {
            app.Services.ValidateSettings();
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException or InvalidOperationException)
        {
            var problems = e is AggregateException all ? all.Flatten().InnerExceptions.SelectMany(Messages) : Messages(e);
            foreach (var problem in problems)
                app.Logger.LogCritical("Wrong setting, the service does not start: {Problem}", problem);
            // The log providers write on threads of their own: disposing them writes what they hold before the
            // exception ends the process. The host itself is left to its owner (a test host reports the exception).
            foreach (var provider in app.Services.GetServices<ILoggerProvider>())
                provider.Dispose();
            throw;
        }
    }

    private static IEnumerable<string> Messages(Exception e) => e is OptionsValidationException options ? options.Failures : [e.Message];

    /// <summary>Why Hangfire would refuse the expression, or null when it takes it: Hangfire reads six fields as
    /// seconds first and anything else as standard cron (macros such as @daily included).</summary>
    public static string? CronProblem(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression))
            return "a cron expression is needed.";
        var fields = expression.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            CronExpression.Parse(expression, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            return null;
        }
        catch (CronFormatException e)
        {
            // Cronos names the end of the expression as a NUL character, which would cut a console line short.
            var why = string.Concat(e.Message.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
            return $"not a cron expression of 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first ({why})";
        }
    }

    public static bool TryFindTimeZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        return !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone!);
    }

    private sealed class Validator<T>(string section) : IValidateOptions<T> where T : class, ISettings
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var check = new SettingsCheck(section);
            options.Check(check);
            return check.Problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(check.Problems);
        }
    }
}
