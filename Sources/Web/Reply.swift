import Foundation
import Hummingbird
import Inspection
import Store

/// Building responses: HTML pages, bytes with a content type, redirects, and the error page
/// each failure maps to (unknown id 404, bad label or mask 422, refused switch 409, missing
/// database 503, anything else 500), always with the reason people can act on.
enum Reply {
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        bytes(Array(text.utf8), type: "text/html; charset=utf-8", status: status)
    }

    static func bytes(_ bytes: [UInt8], type: String, status: HTTPResponse.Status = .ok,
                      cacheSeconds: Int? = nil) -> Response {
        var headers: HTTPFields = [.contentType: type]
        headers[.cacheControl] = cacheSeconds.map { "private, max-age=\($0)" } ?? "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func text(_ text: String, type: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        bytes(Array(text.utf8), type: type, status: status)
    }

    /// 303 See Other: after a POST, the browser GETs `location`.
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// Only local absolute paths are followed after a form, never another site.
    static func safeNext(_ next: String?, fallback: String) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
              !next.unicodeScalars.contains(where: { $0.value < 0x20 }) else { return fallback }
        return next
    }

    static func errorPage(_ error: any Error, visit: Visit) -> Response {
        let (status, message) = describe(error)
        let body = "<h1>\(status.code) \(HTML.escape(status.reasonPhrase))</h1><p class=\"error\">\(HTML.escape(message))</p>"
            + "<p><a href=\"/\">Back to the verdicts</a></p>"
        return visit.finish(html(HTML.page(title: "\(status.code)", user: visit.user, csrf: visit.csrfToken, active: "",
                                           body: body), status: status))
    }

    static func describe(_ error: any Error) -> (HTTPResponse.Status, String) {
        switch error {
        case let error as InspectionError:
            switch error {
            case .notFound: return (.notFound, error.description)
            case .invalidMask, .invalidLabel, .invalidSetting: return (.unprocessableContent, error.description)
            case .databaseMissing: return (.serviceUnavailable, error.description)
            default: return (.internalServerError, error.description)
            }
        case let error as StoreError:
            if case .notFound = error { return (.serviceUnavailable, error.description) }
            if case .locked = error { return (.serviceUnavailable, error.description) }
            return (.internalServerError, error.description)
        case let refusal as VersionSwitch.Refusal:
            return (.conflict, refusal.description)
        case let failure as WebFailure:
            return (failure.status, failure.message)
        default:
            return (.internalServerError, String(describing: error))
        }
    }
}

/// A request the web station refuses, with the HTTP status and the reason shown.
struct WebFailure: Error {
    let status: HTTPResponse.Status
    let message: String
}
