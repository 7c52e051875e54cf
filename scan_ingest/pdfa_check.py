"""PDF/A-2b checks with pikepdf (ISO 19005-2), for the rules our renditions can break: a page copied from a
born-digital source brings its fonts, annotations, actions, filters and colours along. `page_problems` says
what keeps a page from PDF/A, `normalise_page` repairs what can be repaired without changing what the page
shows (annotation flags, forbidden actions), and `document_problems` checks a whole rendition before the
writer lets it claim PDF/A. Glyph widths against the embedded font programs: `pdfa_fonts`."""

from __future__ import annotations

import pikepdf

from .pdfa_fonts import used_codes, width_problems

# ISO 19005-2 6.3.1 / 6.5.1 / 6.1.7.2 / 6.2.8 / 6.2.9
FORBIDDEN_ANNOTATIONS = {"/Sound", "/Movie", "/Screen", "/3D", "/RichMedia", "/FileAttachment"}
FORBIDDEN_ACTIONS = {
    "/Launch",
    "/Sound",
    "/Movie",
    "/ResetForm",
    "/ImportData",
    "/JavaScript",
    "/Hide",
    "/SetOCGState",
    "/Rendition",
    "/Trans",
    "/GoTo3DView",
}
FORBIDDEN_FILTERS = {"/LZWDecode", "/LZW", "/Crypt"}
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
# annotation flags (PDF 32000-1 12.5.3): Print must be set, these must not
INVISIBLE, HIDDEN, PRINT, NOVIEW, TOGGLENOVIEW = 1, 2, 4, 32, 256
NO_APPEARANCE_NEEDED = {"/Link", "/Popup"}
STANDARD_14 = {
    f"{family}{style}"
    for family, styles in (
        ("Times", ("-Roman", "-Bold", "-Italic", "-BoldItalic")),
        ("Helvetica", ("", "-Bold", "-Oblique", "-BoldOblique")),
        ("Courier", ("", "-Bold", "-Oblique", "-BoldOblique")),
    )
    for style in styles
} | {"Symbol", "ZapfDingbats"}


def _name(obj) -> str:
    return str(obj) if isinstance(obj, pikepdf.Name) else ""


def _filters(stream) -> list[str]:
    value = stream.get("/Filter")
    if value is None:
        return []
    return [str(f) for f in value] if isinstance(value, pikepdf.Array) else [str(value)]


class _Walker:
    """Collects problems of one page: its resources (recursively through forms, patterns, Type 3 fonts),
    its content streams and its annotations. Each object is visited once."""

    def __init__(self):
        self.problems: list[str] = []
        self.seen: set[tuple[int, int]] = set()
        self.unembedded: dict[tuple[int, int], str] = {}  # font -> problem, kept back until its use is known
        self.visible: set[tuple[int, int]] = set()
        self.invisible: set[tuple[int, int]] = set()

    def finish(self) -> list[str]:
        """Fonts used only for invisible text (render mode 3) need not be embedded (ISO 19005-2 6.2.11.4.1)."""
        for key, problem in self.unembedded.items():
            if key in self.visible or key not in self.invisible:
                self.problems.append(problem)
        return list(dict.fromkeys(self.problems))

    def _first_visit(self, obj) -> bool:
        if not obj.is_indirect:
            return True
        if obj.objgen in self.seen:
            return False
        self.seen.add(obj.objgen)
        return True

    def resources(self, res) -> None:
        if not isinstance(res, pikepdf.Dictionary) or not self._first_visit(res):
            return
        for font in (res.get("/Font") or {}).values():
            self.font(font)
        for xobject in (res.get("/XObject") or {}).values():
            self.xobject(xobject)
        for pattern in (res.get("/Pattern") or {}).values():
            if isinstance(pattern, pikepdf.Object) and "/Resources" in pattern:
                self.resources(pattern.Resources)
        for gs in (res.get("/ExtGState") or {}).values():
            if "/TR" in gs or ("/TR2" in gs and pikepdf.Name.Default != gs.TR2):
                self.problems.append("transfer function in a graphics state (forbidden)")
            if "/HTP" in gs:
                self.problems.append("halftone phase in a graphics state (forbidden)")
        for cs in (res.get("/ColorSpace") or {}).values():
            self.colour_space(cs)

    def colour_space(self, cs) -> None:
        name = _name(cs) or (_name(cs[0]) if isinstance(cs, pikepdf.Array) and len(cs) else "")
        if name in ("/DeviceCMYK", "/CMYK"):
            self.problems.append("DeviceCMYK colour without a CMYK output intent")
        elif name in ("/Indexed", "/I") and len(cs) > 1:
            self.colour_space(cs[1])
        elif name in ("/Separation", "/DeviceN") and len(cs) > 2:
            self.colour_space(cs[2])

    def font(self, font) -> None:
        if not isinstance(font, pikepdf.Dictionary) or not self._first_visit(font):
            return
        base = str(font.get("/BaseFont", "?")).lstrip("/")
        subtype = font.get("/Subtype")
        if subtype == pikepdf.Name.Type3:
            if "/Resources" in font:
                self.resources(font.Resources)
            return
        if subtype == pikepdf.Name.Type0:
            descendants = font.get("/DescendantFonts")
            descendant = descendants[0] if descendants else None
            descriptor = descendant.get("/FontDescriptor") if descendant is not None else None
            if (
                descendant is not None
                and descendant.get("/Subtype") == pikepdf.Name.CIDFontType2
                and "/CIDToGIDMap" not in descendant
            ):
                self.problems.append(f"font {base}: CIDFontType2 without CIDToGIDMap")
        else:
            descriptor = font.get("/FontDescriptor")
            if "/Widths" not in font and base not in STANDARD_14:  # ISO 32000-1 9.6.2.1
                self.problems.append(f"font {base}: no /Widths")
        if descriptor is None or not any(key in descriptor for key in FONT_FILES):
            self.unembedded[font.objgen if font.is_indirect else (id(font), 0)] = f"font {base} not embedded"

    def xobject(self, xobject) -> None:
        if not isinstance(xobject, pikepdf.Stream) or not self._first_visit(xobject):
            return
        self.stream(xobject)
        subtype = xobject.get("/Subtype")
        if subtype == pikepdf.Name.Image:
            if xobject.get("/Interpolate") is True:
                self.problems.append("image with /Interpolate true")
            if "/Alternates" in xobject or "/OPI" in xobject:
                self.problems.append("image with alternates or OPI")
            if "/ColorSpace" in xobject:
                self.colour_space(xobject.ColorSpace)
        elif subtype == pikepdf.Name.Form:
            if "/Ref" in xobject or "/OPI" in xobject or "/PS" in xobject:
                self.problems.append("reference, OPI or PostScript form XObject")
            if "/Group" in xobject and "/CS" in xobject.Group:
                self.colour_space(xobject.Group.CS)
            self.content(xobject)
            if "/Resources" in xobject:
                self.resources(xobject.Resources)
        elif subtype == pikepdf.Name.PS:
            self.problems.append("PostScript XObject")

    def stream(self, stream) -> None:
        if "/F" in stream:
            self.problems.append("stream stored in an external file")
        bad = FORBIDDEN_FILTERS.intersection(_filters(stream))
        if bad:
            self.problems.append(f"stream filter {', '.join(sorted(bad))} (forbidden)")

    def content(self, owner) -> None:
        """Colour operators and inline images of a content stream (page or form)."""
        try:
            instructions = pikepdf.parse_content_stream(owner)
        except pikepdf.PdfError:
            self.problems.append("content stream cannot be parsed")
            return
        resources = owner.obj.get("/Resources") if isinstance(owner, pikepdf.Page) else owner.get("/Resources")
        if isinstance(resources, pikepdf.Dictionary) and "/Font" in resources:
            for key, (font, codes) in used_codes(owner, resources).items():
                (self.visible if codes else self.invisible).add(key)
                self.problems.extend(width_problems(font, codes))
        for operands, operator in instructions:
            op = str(operator)
            if op in ("k", "K") or (op in ("cs", "CS") and operands and _name(operands[0]) == "/DeviceCMYK"):
                self.problems.append("DeviceCMYK colour without a CMYK output intent")
            elif op == "INLINE IMAGE":
                image = operands[0].obj
                filters = image.get("/F", image.get("/Filter"))
                names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)]
                if FORBIDDEN_FILTERS.intersection(names):
                    self.problems.append("inline image with a forbidden filter")
                if _name(image.get("/CS", image.get("/ColorSpace"))) in ("/CMYK", "/DeviceCMYK"):
                    self.problems.append("DeviceCMYK colour without a CMYK output intent")

    def annotation(self, annot) -> None:
        subtype = annot.get("/Subtype")
        where = f"{str(subtype).lstrip('/')} annotation"
        if str(subtype) in FORBIDDEN_ANNOTATIONS:
            self.problems.append(f"{where} (forbidden type)")
            return
        flags = int(annot.get("/F", 0))
        if subtype != pikepdf.Name.Popup and (
            not flags & PRINT or flags & (INVISIBLE | HIDDEN | NOVIEW | TOGGLENOVIEW)
        ):
            self.problems.append(f"{where} not printable (flags {flags})")
        if "/AA" in annot:
            self.problems.append(f"{where} with additional actions")
        action = annot.get("/A")
        if action is not None and str(action.get("/S")) in FORBIDDEN_ACTIONS:
            self.problems.append(f"{where} with a {str(action.S).lstrip('/')} action")
        appearance = annot.get("/AP")
        if (
            str(subtype) not in NO_APPEARANCE_NEEDED
            and _has_area(annot)
            and (appearance is None or "/N" not in appearance)
        ):
            self.problems.append(f"{where} without a normal appearance")
        if appearance is not None:
            if set(appearance.keys()) - {"/N"}:
                self.problems.append(f"{where}: appearance with more than /N")
            normal = appearance.get("/N")
            for stream in (
                normal.values()
                if isinstance(normal, pikepdf.Dictionary) and not isinstance(normal, pikepdf.Stream)
                else [normal]
            ):
                self.xobject(stream)


def _has_area(annot) -> bool:
    try:
        x0, y0, x1, y1 = (float(v) for v in annot.Rect)
    except (AttributeError, TypeError, ValueError):
        return True
    return abs(x1 - x0) > 0 and abs(y1 - y0) > 0


def page_problems(page: pikepdf.Page) -> list[str]:
    """What keeps this page out of a PDF/A-2b file (with an sRGB output intent), each named once."""
    walker = _Walker()
    obj = page.obj
    if "/AA" in obj:
        walker.problems.append("page with additional actions")
    if "/PresSteps" in obj:
        walker.problems.append("page with presentation steps")
    if "/Group" in obj and "/CS" in obj.Group:
        walker.colour_space(obj.Group.CS)
    contents = obj.get("/Contents")
    for stream in contents if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []:
        walker.stream(stream)
    walker.content(page)
    walker.resources(obj.get("/Resources"))
    for annot in obj.get("/Annots") or []:
        walker.annotation(annot)
    return walker.finish()


def normalise_page(page: pikepdf.Page) -> None:
    """Repair what PDF/A forbids but the page's look does not need: annotation flags (printable, visible),
    additional actions, forbidden actions and annotation types, appearance states beyond /N, /Interpolate."""
    obj = page.obj
    if "/AA" in obj:
        del obj.AA
    kept = []
    for annot in obj.get("/Annots") or []:
        subtype = str(annot.get("/Subtype"))
        if subtype in FORBIDDEN_ANNOTATIONS:
            continue
        if subtype not in NO_APPEARANCE_NEEDED and _has_area(annot) and ("/AP" not in annot or "/N" not in annot.AP):
            continue  # nothing to show in print (a form field without appearance)
        if subtype != "/Popup":
            flags = int(annot.get("/F", 0))
            annot.F = (flags | PRINT) & ~(INVISIBLE | HIDDEN | NOVIEW | TOGGLENOVIEW)
        if "/AA" in annot:
            del annot.AA
        if "/A" in annot and str(annot.A.get("/S")) in FORBIDDEN_ACTIONS:
            del annot.A
        if "/AP" in annot:
            for key in list(annot.AP.keys()):
                if key != "/N":
                    del annot.AP[key]
        kept.append(annot)
    if "/Annots" in obj:
        obj.Annots = pikepdf.Array(kept)
    for image in page.get_images().values():
        if image.get("/Interpolate") is True:
            image.Interpolate = False


def document_problems(pdf: pikepdf.Pdf) -> list[str]:
    """Whole-file PDF/A-2b checks: identification and metadata, output intent, catalog actions, forms,
    embedded files, every stream's filters, and every page."""
    problems = []
    if pdf.is_encrypted:
        problems.append("encrypted")
    if "/ID" not in pdf.trailer:
        problems.append("no file identifier (/ID) in the trailer")
    meta = pdf.open_metadata()
    if meta.get("pdfaid:part") != "2" or meta.get("pdfaid:conformance") != "B":
        problems.append("no PDF/A-2b identification in the XMP metadata")
    info = pdf.docinfo
    for key, xmp in (
        ("/Title", "dc:title"),
        ("/Author", "dc:creator"),
        ("/Producer", "pdf:Producer"),
        ("/Creator", "xmp:CreatorTool"),
        ("/Subject", "dc:description"),
    ):
        if key in info and str(info[key]):
            value = meta.get(xmp)
            value = value[0] if isinstance(value, list) and value else value
            if str(value or "") != str(info[key]):
                problems.append(f"document info {key} differs from XMP {xmp}")
    intents = [i for i in pdf.Root.get("/OutputIntents") or [] if i.get("/S") == pikepdf.Name.GTS_PDFA1]
    if not intents or "/DestOutputProfile" not in intents[0]:
        problems.append("no PDF/A output intent with an ICC profile")
    root = pdf.Root
    if "/AA" in root:
        problems.append("document-level additional actions")
    names = root.get("/Names") or {}
    if "/JavaScript" in names or "/EmbeddedFiles" in names:
        problems.append("document-level JavaScript or embedded files")
    action = root.get("/OpenAction")
    if isinstance(action, pikepdf.Dictionary) and str(action.get("/S")) in FORBIDDEN_ACTIONS:
        problems.append("forbidden open action")
    form = root.get("/AcroForm")
    if form is not None and ("/XFA" in form or form.get("/NeedAppearances") is True):
        problems.append("XFA or NeedAppearances in the form")
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and (FORBIDDEN_FILTERS.intersection(_filters(obj)) or "/F" in obj):
            problems.append("a stream with a forbidden filter or stored outside the file")
            break
    for number, page in enumerate(pdf.pages, start=1):
        problems.extend(f"page {number}: {p}" for p in page_problems(page))
    return problems
