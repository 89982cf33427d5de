using System.Xml;
using System.Xml.Schema;

namespace TrialManager.Tests.Unit.Exports;

/// <summary>
/// Validation against the official ODM 1.3.2 schema set copied into the test output (Odm132/). The schemas' imports
/// (xml.xsd, xmldsig) resolve to those local files only: a resolver that would fetch anything else refuses, so a test
/// can never pass or fail on the network.
/// </summary>
public static class OdmSchema
{
    public static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Odm132");

    private static readonly Lazy<XmlSchemaSet> Schemas = new(Load);

    /// <summary>Fails the test with every schema error and warning of the document (unknown elements are warnings).</summary>
    public static void Validate(Stream xml)
    {
        var problems = Problems(xml);
        if (problems.Count > 0)
        {
            Assert.Fail($"The ODM file does not validate against ODM 1.3.2:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(50))}");
        }
    }

    /// <summary>Every schema error and warning, as "severity line:column message"; empty when the document is valid.</summary>
    public static IReadOnlyList<string> Problems(Stream xml)
    {
        var problems = new List<string>();
        var settings = new XmlReaderSettings
        {
            ValidationType = ValidationType.Schema,
            Schemas = Schemas.Value,
            ValidationFlags = XmlSchemaValidationFlags.ReportValidationWarnings | XmlSchemaValidationFlags.ProcessIdentityConstraints,
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
        };
        settings.ValidationEventHandler += (_, e) =>
            problems.Add($"{e.Severity} {e.Exception.LineNumber}:{e.Exception.LinePosition} {e.Message}");
        try
        {
            using var reader = XmlReader.Create(xml, settings);
            while (reader.Read())
            {
            }
        }
        catch (XmlException e)
        {
            problems.Add($"Not well-formed XML: {e.Message}");
        }
        return problems;
    }

    private static XmlSchemaSet Load()
    {
        var resolver = new LocalOnlyResolver(Folder);
        var set = new XmlSchemaSet { XmlResolver = resolver };
        var problems = new List<string>();
        set.ValidationEventHandler += (_, e) => problems.Add($"{e.Severity} {e.Message}");
        using (var reader = XmlReader.Create(Path.Combine(Folder, "ODM1-3-2.xsd"),
                   new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = resolver }))
        {
            set.Add(null, reader);
        }
        set.Compile();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The ODM 1.3.2 schema set did not load: " + string.Join("; ", problems));
        }
        return set;
    }

    private sealed class LocalOnlyResolver(string folder) : XmlResolver
    {
        private readonly string root = Path.GetFullPath(folder) + Path.DirectorySeparatorChar;

        public override object? GetEntity(Uri absoluteUri, string? role, Type? ofObjectToReturn)
        {
            if (!absoluteUri.IsFile || !Path.GetFullPath(absoluteUri.LocalPath).StartsWith(root, StringComparison.Ordinal))
            {
                throw new XmlException($"Refused to resolve '{absoluteUri}': only the local ODM 1.3.2 schema files may be read.");
            }
            return File.OpenRead(absoluteUri.LocalPath);
        }
    }
}
